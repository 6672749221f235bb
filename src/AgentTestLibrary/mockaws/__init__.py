"""Mock AWS: moto in this process (no port of its own) behind the pipeline's guard, faults, pages and journal.

``moto = Moto(); MockServer(MockAWS(moto.start())).start()`` serves it (extra ``aws``); point boto3
at the server's URL with ``AWS_ENDPOINT_URL``. No Robot Framework imports.
"""

from .app import MockAWS, Moto, parse_aws_fault

__all__ = ["MockAWS", "Moto", "parse_aws_fault"]
