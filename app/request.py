"""The request class: file parts of an upload go straight into an encrypting sink."""
from flask import Request, g


class CaseOSRequest(Request):
    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        factory = g.get("upload_sink_factory")
        if factory is not None:
            return factory()
        return super()._get_file_stream(total_content_length, content_type, filename, content_length)
