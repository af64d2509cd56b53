package web

import (
	"errors"
	"io"
	"net/http"
	"strings"

	"odnookno/internal/document"
	"odnookno/internal/fault"
	"odnookno/internal/web/ui"
)

// The public verification page: anyone holding a paper or PDF copy of a
// document checks, by the code printed on it, that it was issued, that the
// stored original is intact and whose signature it bears. Personal data of
// the recipient is never shown here.
func (s *Server) verifyRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /verify", s.verifyForm)
	mux.HandleFunc("GET /verify/{code}", s.verifyPage)
	mux.HandleFunc("POST /verify/{code}", s.verifyPage)
	mux.HandleFunc("GET /api/v1/documents/{code}/verification", s.verifyAPI)
}

type verifyPage struct {
	ui.Errors
	Code      string
	Found     bool
	Check     document.Check
	FileCheck string // "", "match", "mismatch"
}

func (s *Server) verifyForm(w http.ResponseWriter, r *http.Request) {
	if c := strings.TrimSpace(r.URL.Query().Get("code")); c != "" {
		http.Redirect(w, r, "/verify/"+c, http.StatusSeeOther)
		return
	}
	s.Render(w, r, http.StatusOK, "verify", verifyPage{})
}

func (s *Server) verifyPage(w http.ResponseWriter, r *http.Request) {
	p := verifyPage{Code: r.PathValue("code")}
	c, err := s.Docs.Verify(r.Context(), p.Code)
	switch {
	case errors.Is(err, fault.NotFound):
		p.Errors.Add("code", s.T(r, "verify.not_found"))
		s.Render(w, r, http.StatusNotFound, "verify", p)
		return
	case err != nil:
		s.Fail(w, r, err)
		return
	}
	p.Found, p.Check = true, c
	if r.Method == http.MethodPost {
		f, _, err := r.FormFile("file")
		if err != nil {
			p.Errors.Add("file", s.T(r, "verify.file_required"))
		} else {
			b, err := io.ReadAll(io.LimitReader(f, 20<<20))
			f.Close()
			if err != nil {
				s.Fail(w, r, err)
				return
			}
			p.FileCheck = "mismatch"
			if c.MatchesFile(b) {
				p.FileCheck = "match"
			}
		}
	}
	s.Render(w, r, http.StatusOK, "verify", p)
}

func (s *Server) verifyAPI(w http.ResponseWriter, r *http.Request) {
	c, err := s.Docs.Verify(r.Context(), r.PathValue("code"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	out := map[string]any{
		"code": c.Issued.Code, "kind": c.Issued.Kind, "reg_number": c.Issued.RegNumber, "title": c.Issued.Title,
		"issuer": c.Issued.Issuer, "issued_at": c.Issued.IssuedAt, "sha256": c.Issued.SHA256,
		"intact": c.Intact, "signed": c.Signed, "signature_valid": c.Valid,
	}
	if c.Valid {
		out["signer"] = map[string]any{"name": c.Identity.CommonName, "organization": c.Identity.Organization,
			"certificate_serial": c.Identity.CertificateSerial, "signed_at": c.Identity.SigningTime}
	}
	writeJSON(w, http.StatusOK, out)
}
