"""Type stubs of the compiled module (checked by mypy.stubtest)."""

__version__: str
