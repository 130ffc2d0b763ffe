"""The station's web application: HTTP API (with its OpenAPI description) and pages."""
