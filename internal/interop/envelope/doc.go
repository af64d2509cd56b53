// Package envelope is the signed message format between the platform and
// the information resources it asks for data (R637 ch. 3, integration of a
// resource with the complex).
//
// The shape follows the proven national data-exchange layers (X-Road and
// its descendants): every message is signed by the system that sends it,
// every answer names the request it answers, and both sides keep the exact
// bytes they sent and received so that either can later prove to an auditor
// or a court what was asked and what was answered.
//
// # Why the bytes on the wire are the canonical form
//
// A signature covers the body exactly as it was sent; nothing is ever
// re-serialised to be verified. JSON has no canonical form that every
// library agrees on (key order, number spelling, escaping), and a signature
// over "the same" data re-encoded is a source of false rejections at best
// and of two parsers disagreeing about a signed message at worst. For the
// same reason a message with a repeated top-level key is refused: different
// parsers pick different values for it.
//
// # Why an answer carries the request's hash
//
// The request_id alone would let a resource (or anyone replaying its old
// signed answers) attach an answer to a request with the same correlation ID
// but different content. request_hash, the SHA-256 of the request body bytes,
// binds the answer to exactly what the platform signed, so the archived pair
// (request, answer) is evidence on its own.
//
// # Transport
//
// HTTP POST, body = envelope JSON, header X-Odnookno-Signature = base64 of
// the detached CMS signature over the body (package signature), header
// X-Odnookno-Correlation-Id = the request id. The answer comes back the same
// way. A retry resends the archived bytes and signature unchanged (Client.Send),
// so the resource can recognise it by correlation ID and answer it once.
//
// Who may sign for which sender or resource is not decided here: Open and
// OpenAnswer report the signer's certificate identity, and the caller's
// registry of connected systems checks it.
package envelope
