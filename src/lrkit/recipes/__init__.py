"""Named scheduler recipes (timm's, torch's, transformers'), built from core schedules.

Each module registers its builders with :func:`lrkit.config.register`; none imports torch.
"""
