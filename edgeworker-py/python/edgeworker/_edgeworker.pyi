"""Type stubs of the compiled module (checked by mypy.stubtest)."""

__all__ = ["__version__"]
__version__: str
