package openapi

import _ "embed"

// Document is the generated OpenAPI v3 document (make generate).
//
//go:embed openapi-v3.json
var Document []byte
