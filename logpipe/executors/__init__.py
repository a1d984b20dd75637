"""The runners of a search over many files, behind one contract: in this process, in local
worker processes (workers), on a Dask cluster (dask)."""
