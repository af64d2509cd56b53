package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"odnookno/internal/auth"
	"odnookno/internal/fault"
	"odnookno/internal/identity"
)

// The citizen's JSON API: the same actions as the pages. Login returns a
// token for "Authorization: Bearer"; the browser's session cookie works
// too.

func (c *uidCabinet) apiRoutes(mux *http.ServeMux, full, either func(http.HandlerFunc) http.HandlerFunc) {
	mux.HandleFunc("POST /api/v1/citizen/login", c.apiLogin)
	mux.HandleFunc("POST /api/v1/citizen/logout", either(c.apiLogout))
	mux.HandleFunc("GET /api/v1/citizen/me", full(c.apiMe))
	mux.HandleFunc("GET /api/v1/citizen/history", full(c.apiHistory))
	mux.HandleFunc("POST /api/v1/citizen/password", either(c.apiPassword))
	mux.HandleFunc("POST /api/v1/citizen/phone/code", full(c.apiPhoneCode))
	mux.HandleFunc("POST /api/v1/citizen/phone", full(c.apiPhone))
	mux.HandleFunc("POST /api/v1/citizen/block", full(c.apiBlock))
	mux.HandleFunc("POST /api/v1/citizen/recovery/code", c.apiRecoveryCode)
	mux.HandleFunc("POST /api/v1/citizen/recovery", c.apiRecovery)
	mux.HandleFunc("POST /api/v1/citizen/unblock/code", c.apiUnblockCode)
	mux.HandleFunc("POST /api/v1/citizen/unblock", c.apiUnblock)
}

// uidFaultCode is the catalogue code of err, or "".
func uidFaultCode(err error) string {
	var fe *fault.Error
	if errors.As(err, &fe) {
		return fe.Code
	}
	return ""
}

type uidCitizenJSON struct {
	UID          string     `json:"uid"`
	Surname      string     `json:"surname"`
	Name         string     `json:"name"`
	Patronymic   string     `json:"patronymic,omitempty"`
	BirthDate    string     `json:"birth_date"`
	Phone        string     `json:"phone"`
	Status       string     `json:"status"`
	PasswordKind string     `json:"password_kind"`
	IssuedAt     time.Time  `json:"issued_at"`
	BlockedAt    *time.Time `json:"blocked_at,omitempty"`
}

func uidCitizenOut(c identity.Citizen) uidCitizenJSON {
	return uidCitizenJSON{UID: string(c.UID), Surname: c.Surname, Name: c.Name, Patronymic: c.Patronymic, BirthDate: c.BirthDate,
		Phone: string(c.Phone), Status: c.Status, PasswordKind: c.PasswordKind, IssuedAt: c.IssuedAt, BlockedAt: c.BlockedAt}
}

type uidSessionJSON struct {
	Token     string         `json:"token"`
	Stage     string         `json:"stage"`
	ExpiresAt time.Time      `json:"expires_at"`
	Citizen   uidCitizenJSON `json:"citizen"`
}

func (c *uidCabinet) session(w http.ResponseWriter, r *http.Request, l identity.Login) {
	c.s.SetSession(w, r, auth.Citizen, l.Token)
	writeJSON(w, http.StatusOK, uidSessionJSON{Token: l.Token, Stage: l.Stage, ExpiresAt: l.ExpiresAt, Citizen: uidCitizenOut(l.Citizen)})
}

func (c *uidCabinet) apiLogin(w http.ResponseWriter, r *http.Request) {
	var in struct {
		UID      string `json:"uid"`
		Password string `json:"password"`
	}
	if err := uidDecode(r, &in); err != nil {
		c.s.Fail(w, r, err)
		return
	}
	l, err := c.id.Login(r.Context(), in.UID, in.Password, uidClient(r))
	if err != nil {
		c.s.uidFail(w, r, err)
		return
	}
	c.session(w, r, l)
}

func (c *uidCabinet) apiLogout(w http.ResponseWriter, r *http.Request) {
	cs := citizenSession(r.Context())
	if err := c.id.Logout(r.Context(), cs.token, cs.citizen); err != nil {
		c.s.Fail(w, r, err)
		return
	}
	c.s.ClearSession(w, r, auth.Citizen)
	w.WriteHeader(http.StatusNoContent)
}

func (c *uidCabinet) apiMe(w http.ResponseWriter, r *http.Request) {
	cit, _ := CitizenFrom(r.Context())
	writeJSON(w, http.StatusOK, uidCitizenOut(cit))
}

type uidEventJSON struct {
	Seq        int64          `json:"seq"`
	At         time.Time      `json:"at"`
	Action     string         `json:"action"`
	Text       string         `json:"text"`
	ActorRole  string         `json:"actor_role"`
	ClientAddr string         `json:"client_addr,omitempty"`
	Details    map[string]any `json:"details,omitempty"`
}

func (c *uidCabinet) apiHistory(w http.ResponseWriter, r *http.Request) {
	cit, _ := CitizenFrom(r.Context())
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	recs, err := c.id.History(r.Context(), cit, before, uidHistoryPageSize+1)
	if err != nil {
		c.s.Fail(w, r, err)
		return
	}
	page := recs[:min(len(recs), uidHistoryPageSize)]
	texts := c.events(r, page)
	out := struct {
		Items      []uidEventJSON `json:"items"`
		NextBefore int64          `json:"next_before,omitempty"`
	}{Items: []uidEventJSON{}}
	for i, rec := range page {
		out.Items = append(out.Items, uidEventJSON{Seq: rec.Seq, At: rec.At, Action: rec.Action, Text: texts[i].Text,
			ActorRole: rec.Actor.Role, ClientAddr: rec.ClientAddr, Details: rec.Details})
	}
	if len(recs) > uidHistoryPageSize {
		out.NextBefore = page[len(page)-1].Seq
	}
	writeJSON(w, http.StatusOK, out)
}

// apiPassword sets the static password: in a session opened with a
// temporary password only the new one is needed (p. 9), otherwise the
// current one too.
func (c *uidCabinet) apiPassword(w http.ResponseWriter, r *http.Request) {
	var in struct {
		CurrentPassword string `json:"current_password"`
		NewPassword     string `json:"new_password"`
	}
	if err := uidDecode(r, &in); err != nil {
		c.s.Fail(w, r, err)
		return
	}
	cs := citizenSession(r.Context())
	var l identity.Login
	var err error
	if cs.session.Stage == auth.StageChangePassword {
		l, err = c.id.SetStaticPassword(r.Context(), cs.citizen, in.NewPassword, uidClient(r))
	} else {
		l, err = c.id.ChangePassword(r.Context(), cs.citizen, in.CurrentPassword, in.NewPassword, uidClient(r))
	}
	if err != nil {
		c.s.uidFail(w, r, err)
		return
	}
	c.session(w, r, l)
}

func (c *uidCabinet) apiPhoneCode(w http.ResponseWriter, r *http.Request) {
	var in struct {
		CurrentPassword string `json:"current_password"`
		Phone           string `json:"phone"`
	}
	if err := uidDecode(r, &in); err != nil {
		c.s.Fail(w, r, err)
		return
	}
	cit, _ := CitizenFrom(r.Context())
	if err := c.id.RequestPhoneChange(r.Context(), cit, in.CurrentPassword, in.Phone, uidClient(r)); err != nil {
		c.s.uidFail(w, r, err)
		return
	}
	phone, _ := c.id.PendingPhone(r.Context(), cit)
	writeJSON(w, http.StatusAccepted, map[string]any{"sent_to": phone.Masked()})
}

func (c *uidCabinet) apiPhone(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Code        string `json:"code"`
		NewPassword string `json:"new_password"`
	}
	if err := uidDecode(r, &in); err != nil {
		c.s.Fail(w, r, err)
		return
	}
	cit, _ := CitizenFrom(r.Context())
	l, err := c.id.ChangePhone(r.Context(), cit, in.Code, in.NewPassword, uidClient(r))
	if err != nil {
		c.s.uidFail(w, r, err)
		return
	}
	c.session(w, r, l)
}

func (c *uidCabinet) apiBlock(w http.ResponseWriter, r *http.Request) {
	var in struct {
		CurrentPassword string `json:"current_password"`
	}
	if err := uidDecode(r, &in); err != nil {
		c.s.Fail(w, r, err)
		return
	}
	cit, _ := CitizenFrom(r.Context())
	if err := c.id.Block(r.Context(), cit, in.CurrentPassword, uidClient(r)); err != nil {
		c.s.uidFail(w, r, err)
		return
	}
	c.s.ClearSession(w, r, auth.Citizen)
	w.WriteHeader(http.StatusNoContent)
}

type uidCodeRequest struct {
	UID string `json:"uid"`
}

// The answer to a code request is the same whether the UID exists or not.
func (c *uidCabinet) apiCodeRequested(w http.ResponseWriter, r *http.Request, err error) {
	if err != nil {
		c.s.uidFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"status": "accepted"})
}

func (c *uidCabinet) apiRecoveryCode(w http.ResponseWriter, r *http.Request) {
	var in uidCodeRequest
	if err := uidDecode(r, &in); err != nil {
		c.s.Fail(w, r, err)
		return
	}
	c.apiCodeRequested(w, r, c.id.RequestRecovery(r.Context(), in.UID, uidClient(r)))
}

func (c *uidCabinet) apiUnblockCode(w http.ResponseWriter, r *http.Request) {
	var in uidCodeRequest
	if err := uidDecode(r, &in); err != nil {
		c.s.Fail(w, r, err)
		return
	}
	c.apiCodeRequested(w, r, c.id.RequestUnblock(r.Context(), in.UID, uidClient(r)))
}

func (c *uidCabinet) apiRecovery(w http.ResponseWriter, r *http.Request) {
	var in struct {
		UID         string `json:"uid"`
		Code        string `json:"code"`
		NewPassword string `json:"new_password"`
	}
	if err := uidDecode(r, &in); err != nil {
		c.s.Fail(w, r, err)
		return
	}
	if err := c.id.Recover(r.Context(), in.UID, in.Code, in.NewPassword, uidClient(r)); err != nil {
		c.s.uidFail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (c *uidCabinet) apiUnblock(w http.ResponseWriter, r *http.Request) {
	var in struct {
		UID  string `json:"uid"`
		Code string `json:"code"`
	}
	if err := uidDecode(r, &in); err != nil {
		c.s.Fail(w, r, err)
		return
	}
	phone, err := c.id.Unblock(r.Context(), in.UID, in.Code, uidClient(r))
	if err != nil {
		c.s.uidFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"temporary_password_sent_to": phone.Masked()})
}
