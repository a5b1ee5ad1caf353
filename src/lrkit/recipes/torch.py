"""torch's ``lr_scheduler`` classes as core schedules (filled in by the interop work)."""
