"""Framework knowledge, torch-free: each framework's schedules by name, one module per framework.

Every module here registers its builders into :mod:`lrkit.recipes.registry` under
``SOURCE:NAME``, and defines the nodes its framework's exact values need (timm's float cycle
index, its torch-generator noise, transformers' hard restarts), registered so that their
trees round-trip. The registry finds the modules by listing this package.
"""
