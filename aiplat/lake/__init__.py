"""The Iceberg table layer: standard tables as data, a catalog opener and the operations on them.

Every module here imports pyiceberg and pyarrow lazily or is imported lazily by the CLI,
so ``aiplat`` starts without them.
"""
