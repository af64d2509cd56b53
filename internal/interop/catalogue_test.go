package interop_test

import (
	"testing"

	"odnookno/internal/i18n/i18ntest"
	"odnookno/internal/interop"
)

// TestCatalogue: every code and label the pages show has words in both
// languages.
func TestCatalogue(t *testing.T) {
	keys := append([]string{}, interop.Codes...)
	for _, s := range []string{interop.StateQueued, interop.StateSent, interop.StateAnswered, interop.StateFailed, interop.StateLate, interop.StateSMDOPending} {
		keys = append(keys, "interop.state."+s)
	}
	for _, c := range []string{interop.ChannelHTTP, interop.ChannelSMDO, interop.ChannelManual} {
		keys = append(keys, "interop.channel."+c)
	}
	for _, g := range []string{interop.GrantRequested, interop.GrantApproved, interop.GrantRefused, interop.GrantRevoked} {
		keys = append(keys, "interop.grant_state."+g)
	}
	for _, s := range []string{interop.ResourceActive, interop.ResourceSuspended} {
		keys = append(keys, "interop.resource_status."+s)
	}
	for _, s := range []string{interop.OutgoingWaiting, interop.OutgoingSent} {
		keys = append(keys, "interop.outgoing."+s)
	}
	for _, s := range []string{"ok", "not_found", "error", interop.AnswerDocument, interop.AnswerManual} {
		keys = append(keys, "interop.answer_status."+s)
	}
	i18ntest.MustHave(t, keys...)
}
