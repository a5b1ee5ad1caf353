"""transformers' ``SchedulerType`` names as core schedules (filled in by the interop work)."""
