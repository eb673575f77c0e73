"""A real OpenID Connect provider on 127.0.0.1 for the tests: discovery, JWKS, authorize (signs in as the
person the test names, no page), and token (single-use codes, PKCE S256, client secret), issuing RS256 ID
tokens built with Authlib's JOSE. Knobs let a test make it misbehave as an attacker or a buggy provider
would: sign with a key it does not publish, name another audience, say an e-mail is not verified."""
from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from urllib.parse import urlencode

from authlib.jose import JsonWebKey, jwt
from flask import Flask, jsonify, redirect, request
from werkzeug.serving import make_server


class OIDCProvider:
    def __init__(self, client_id="caseos-test-client", client_secret="s3cret-for-tests"):
        self.client_id, self.client_secret = client_id, client_secret
        self.key = JsonWebKey.generate_key("RSA", 2048, is_private=True, options={"kid": "test-key-1"})
        self.forged_key = JsonWebKey.generate_key("RSA", 2048, is_private=True, options={"kid": "test-key-1"})
        self.person = {"sub": "person-1", "email": "person@example.test", "email_verified": True, "name": "Pat Person"}
        self.audience: str | None = None     # None: the client id
        self.forge = False                   # sign with a key the JWKS does not publish
        self.codes: dict[str, dict] = {}
        self.token_requests: list[dict] = []
        self._server = make_server("127.0.0.1", 0, self._app(), threaded=True)
        self.issuer = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()

    def env(self, prefix="OAUTH_OIDC") -> dict:
        return {f"{prefix}_ISSUER": self.issuer, f"{prefix}_CLIENT_ID": self.client_id,
                f"{prefix}_CLIENT_SECRET": self.client_secret}

    def _app(self) -> Flask:
        app = Flask("oidc-test-provider")

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return jsonify({"issuer": self.issuer, "authorization_endpoint": self.issuer + "/authorize",
                            "token_endpoint": self.issuer + "/token", "jwks_uri": self.issuer + "/jwks",
                            "response_types_supported": ["code"], "subject_types_supported": ["public"],
                            "id_token_signing_alg_values_supported": ["RS256"],
                            "code_challenge_methods_supported": ["S256"]})

        @app.get("/jwks")
        def jwks():
            return jsonify({"keys": [self.key.as_dict(is_private=False)]})

        @app.get("/authorize")
        def authorize():
            a = request.args
            if a.get("client_id") != self.client_id or a.get("response_type") != "code" \
                    or a.get("code_challenge_method") != "S256" or not a.get("code_challenge") \
                    or "openid" not in a.get("scope", "").split():
                return jsonify({"error": "invalid_request"}), 400
            code = secrets.token_urlsafe(24)
            self.codes[code] = {"redirect_uri": a["redirect_uri"], "nonce": a.get("nonce"),
                                "challenge": a["code_challenge"], "person": dict(self.person)}
            return redirect(a["redirect_uri"] + "?" + urlencode({"code": code, "state": a.get("state", "")}))

        @app.post("/token")
        def token():
            f = request.form
            self.token_requests.append(dict(f))
            grant = self.codes.pop(f.get("code", ""), None)  # single use
            verifier = f.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if grant is None or f.get("client_id") != self.client_id or f.get("client_secret") != self.client_secret \
                    or f.get("redirect_uri") != grant["redirect_uri"] or challenge != grant["challenge"]:
                return jsonify({"error": "invalid_grant"}), 400
            return jsonify({"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "expires_in": 300,
                            "id_token": self.id_token(grant["person"], grant["nonce"])})

        return app

    def id_token(self, person: dict, nonce: str | None) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": self.audience or self.client_id, "iat": now, "exp": now + 300,
                  "nonce": nonce, **person}
        key = self.forged_key if self.forge else self.key
        return jwt.encode({"alg": "RS256", "kid": "test-key-1"}, claims, key).decode()
