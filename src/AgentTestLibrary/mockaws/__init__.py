"""Mock AWS: moto's threaded server behind the pipeline's faults, pages and journal (extra ``aws``).

``moto = Moto(); MockServer(MockAWS(moto.start())).start()`` serves it; point boto3 at the second
URL with ``AWS_ENDPOINT_URL``. No Robot Framework imports.
"""

from .app import MockAWS, Moto, parse_aws_fault

__all__ = ["MockAWS", "Moto", "parse_aws_fault"]
