// Package irsim simulates the information resources the platform asks for
// data (R637 ch. 3): the interior ministry's personal data register
// (mvd/person), the residence register (residence/address) and the real
// estate register (property/realty). The demo runs against it and the
// platform's tests use it as the far side of every inter-agency request.
//
// # Why it behaves like a real system rather than a stub
//
// A stub that always answers at once teaches the platform nothing. Real
// registers are slow, sometimes down for maintenance (P4.4), fail now and
// then, refuse what is not signed by a connected system, and must not be
// charged twice for one question when the platform retries. The simulator
// does all of that on purpose, through Config and SetDown, so the platform's
// timeouts, retries and archive are exercised the way production will
// exercise them; its Stats let a test assert "the resource saw each request
// once".
//
// Every request is checked with envelope.Receive against the platform's
// roots; every answer is signed with the resource's own key and bound to the
// request body by envelope.SealAnswer, so an answer the simulator gives is
// as strong a piece of evidence as a real register's.
//
// # The people
//
// People() is a fixed cast with known documents, addresses, families and
// property, so demos and tests can name them. Any other valid personal
// identification number answers too, with a person generated from the
// number's hash: the same number gives the same person on every run and
// machine, and nothing has to be seeded. Like the real register, the
// simulator does not know numbers that fail identity.ParsePIN or whose check
// digit is wrong: those answer "not_found".
package irsim
