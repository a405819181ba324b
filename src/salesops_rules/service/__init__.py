"""The HTTP service (`salesops-rules serve`): decisions for systems that cannot import Python.

Needs the `serve` extra (FastAPI, uvicorn). `holder` keeps the active policy and the
reload gate, `app` the routes, `schemas` the answer shapes, `run` the server itself.
"""
