package interop

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"odnookno/internal/audit"
	"odnookno/internal/fault"
	"odnookno/internal/interop/envelope"
	"odnookno/internal/signature"
)

// Statuses of a resource. A suspended resource is not asked over the
// integration; СМДО and manual requests still go.
const (
	ResourceActive    = "active"
	ResourceSuspended = "suspended"
)

// Field is one input or output field of a resource's service.
type Field struct {
	Name     string `json:"name"`
	Required bool   `json:"required,omitempty"`
	LabelRU  string `json:"label_ru,omitempty"`
	LabelBE  string `json:"label_be,omitempty"`
}

// Label in lang, or the name when none is written.
func (f Field) Label(lang string) string {
	if lang == "be" && f.LabelBE != "" {
		return f.LabelBE
	}
	if f.LabelRU != "" {
		return f.LabelRU
	}
	return f.Name
}

// ResourceService is one service (method) of a resource, e.g. "person" of
// "mvd": what a request must carry and what the answer returns.
type ResourceService struct {
	Resource string
	Code     string
	NameRU   string
	NameBE   string
	Input    []Field
	Output   []Field
}

// Name in lang.
func (r ResourceService) Name(lang string) string { return pick(lang, r.NameRU, r.NameBE) }

// FullCode is "<resource>/<service>", as in envelopes and metrics.
func (r ResourceService) FullCode() string { return r.Resource + "/" + r.Code }

// Resource is an information resource (system) connected to the complex.
type Resource struct {
	Code      string
	OwnerBody string // code of the owning body; its resource_owner staff decide access
	NameRU    string
	NameBE    string
	// Endpoint is where signed requests are POSTed; empty when the resource
	// is not integrated and is asked only through СМДО.
	Endpoint string
	// SignerCN and SignerOU, when set, are the common name and
	// organizational unit an answer's certificate must carry: a certificate
	// of the same trusted CA issued to someone else does not speak for this
	// resource.
	SignerCN string
	SignerOU string
	Status   string
	// AnswerDays is the answer term in working days of the national
	// calendar, counted from the day the request is made.
	AnswerDays int
	Services   []ResourceService
}

// Name in lang.
func (r Resource) Name(lang string) string { return pick(lang, r.NameRU, r.NameBE) }

// Service returns the resource's service with code.
func (r Resource) Service(code string) (ResourceService, bool) {
	for _, s := range r.Services {
		if s.Code == code {
			return s, true
		}
	}
	return ResourceService{}, false
}

func pick(lang, ru, be string) string {
	if lang == "be" && be != "" {
		return be
	}
	return ru
}

func validToken(s string) bool {
	_, _, ok := envelope.SplitService(s + "/x")
	return ok
}

func (r Resource) validate() error {
	var c fault.Check
	if !validToken(r.Code) {
		c.Add("code", CodeInvalid, nil)
	}
	if strings.TrimSpace(r.OwnerBody) == "" {
		c.Add("owner_body", CodeInvalid, nil)
	}
	if strings.TrimSpace(r.NameRU) == "" {
		c.Add("name_ru", CodeInvalid, nil)
	}
	if strings.TrimSpace(r.NameBE) == "" {
		c.Add("name_be", CodeInvalid, nil)
	}
	if r.Endpoint != "" {
		u, err := url.Parse(r.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			c.Add("endpoint", CodeInvalid, nil)
		}
	}
	if r.Status != ResourceActive && r.Status != ResourceSuspended {
		c.Add("status", CodeInvalid, nil)
	}
	if r.AnswerDays < 1 || r.AnswerDays > 250 {
		c.Add("answer_days", CodeInvalid, map[string]any{"min": 1, "max": 250})
	}
	return c.Err()
}

func (sv ResourceService) validate() error {
	var c fault.Check
	if !validToken(sv.Code) {
		c.Add("code", CodeInvalid, nil)
	}
	if strings.TrimSpace(sv.NameRU) == "" {
		c.Add("name_ru", CodeInvalid, nil)
	}
	if strings.TrimSpace(sv.NameBE) == "" {
		c.Add("name_be", CodeInvalid, nil)
	}
	for _, list := range [][]Field{sv.Input, sv.Output} {
		seen := map[string]bool{}
		for _, f := range list {
			if !validToken(f.Name) || seen[f.Name] {
				c.Add("fields", CodeInvalid, map[string]any{"field": f.Name})
			}
			seen[f.Name] = true
		}
	}
	return c.Err()
}

// SaveResource creates or updates a resource and its services (services not
// listed are kept: requests and grants refer to them). actor is the
// operator, audited.
func (s *Service) SaveResource(ctx context.Context, r Resource, actor audit.Actor) (Resource, error) {
	if r.Status == "" {
		r.Status = ResourceActive
	}
	if err := r.validate(); err != nil {
		return Resource{}, err
	}
	for i := range r.Services {
		r.Services[i].Resource = r.Code
		if err := r.Services[i].validate(); err != nil {
			return Resource{}, err
		}
	}
	if _, err := s.dir.BodyByCode(ctx, r.OwnerBody); err != nil {
		if errors.Is(err, fault.NotFound) {
			return Resource{}, fault.Fields(fault.Field{Field: "owner_body", Code: CodeInvalid})
		}
		return Resource{}, err
	}
	now := s.clock()
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO interop_resources
			(code, owner_body, name_ru, name_be, endpoint, signer_cn, signer_ou, status, answer_days, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$10)
			ON CONFLICT (code) DO UPDATE SET owner_body = excluded.owner_body, name_ru = excluded.name_ru,
				name_be = excluded.name_be, endpoint = excluded.endpoint, signer_cn = excluded.signer_cn, signer_ou = excluded.signer_ou,
				status = excluded.status, answer_days = excluded.answer_days, updated_at = excluded.updated_at`,
			r.Code, r.OwnerBody, r.NameRU, r.NameBE, r.Endpoint, r.SignerCN, r.SignerOU, r.Status, r.AnswerDays, now)
		if err != nil {
			return fmt.Errorf("interop: save resource %s: %w", r.Code, err)
		}
		for _, sv := range r.Services {
			in, _ := json.Marshal(nonNil(sv.Input))
			out, _ := json.Marshal(nonNil(sv.Output))
			_, err := tx.ExecContext(ctx, `INSERT INTO interop_services (resource, code, name_ru, name_be, input_fields, output_fields)
				VALUES ($1,$2,$3,$4,$5,$6)
				ON CONFLICT (resource, code) DO UPDATE SET name_ru = excluded.name_ru, name_be = excluded.name_be,
					input_fields = excluded.input_fields, output_fields = excluded.output_fields`,
				r.Code, sv.Code, sv.NameRU, sv.NameBE, string(in), string(out))
			if err != nil {
				return fmt.Errorf("interop: save service %s/%s: %w", r.Code, sv.Code, err)
			}
		}
		_, err = s.audit.Append(ctx, tx, audit.Entry{Actor: actor, Action: "interop.resource.save", ObjectType: "interop_resource",
			ObjectID: r.Code, Details: map[string]any{"owner": r.OwnerBody, "status": r.Status, "endpoint": r.Endpoint, "answer_days": r.AnswerDays}})
		return err
	})
	if err != nil {
		return Resource{}, err
	}
	return s.Resource(ctx, r.Code)
}

func nonNil(f []Field) []Field {
	if f == nil {
		return []Field{}
	}
	return f
}

// SetResourceStatus suspends or resumes the integration of a resource.
func (s *Service) SetResourceStatus(ctx context.Context, code, status string, actor audit.Actor) error {
	if status != ResourceActive && status != ResourceSuspended {
		return fault.Fields(fault.Field{Field: "status", Code: CodeInvalid})
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE interop_resources SET status = $1, updated_at = $2 WHERE code = $3", status, s.clock(), code)
		if err != nil {
			return fmt.Errorf("interop: resource status: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound(CodeResourceUnknown)
		}
		_, err = s.audit.Append(ctx, tx, audit.Entry{Actor: actor, Action: "interop.resource.status", ObjectType: "interop_resource",
			ObjectID: code, Details: map[string]any{"status": status}})
		return err
	})
}

const resourceCols = "code, owner_body, name_ru, name_be, endpoint, signer_cn, signer_ou, status, answer_days"

func scanResource(row interface{ Scan(...any) error }) (Resource, error) {
	var r Resource
	err := row.Scan(&r.Code, &r.OwnerBody, &r.NameRU, &r.NameBE, &r.Endpoint, &r.SignerCN, &r.SignerOU, &r.Status, &r.AnswerDays)
	if errors.Is(err, sql.ErrNoRows) {
		return r, notFound(CodeResourceUnknown)
	}
	return r, err
}

// Resource returns a resource with its services.
func (s *Service) Resource(ctx context.Context, code string) (Resource, error) {
	return s.resource(ctx, s.db.R, code)
}

func (s *Service) resource(ctx context.Context, q queryer, code string) (Resource, error) {
	r, err := scanResource(q.QueryRowContext(ctx, "SELECT "+resourceCols+" FROM interop_resources WHERE code = $1", code))
	if err != nil {
		return Resource{}, err
	}
	svcs, err := s.services(ctx, q, code)
	if err != nil {
		return Resource{}, err
	}
	r.Services = svcs[code]
	return r, nil
}

// Resources lists every resource with its services, by code.
func (s *Service) Resources(ctx context.Context) ([]Resource, error) {
	rows, err := s.db.R.QueryContext(ctx, "SELECT "+resourceCols+" FROM interop_resources ORDER BY code")
	if err != nil {
		return nil, fmt.Errorf("interop: resources: %w", err)
	}
	var out []Resource
	for rows.Next() {
		r, err := scanResource(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	svcs, err := s.services(ctx, s.db.R, "")
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Services = svcs[out[i].Code]
	}
	return out, nil
}

// services returns the services of one resource (or all when resource is
// empty), keyed by resource code.
func (s *Service) services(ctx context.Context, q queryer, resource string) (map[string][]ResourceService, error) {
	query := "SELECT resource, code, name_ru, name_be, input_fields, output_fields FROM interop_services"
	var args []any
	if resource != "" {
		query += " WHERE resource = $1"
		args = append(args, resource)
	}
	rows, err := q.QueryContext(ctx, query+" ORDER BY resource, code", args...)
	if err != nil {
		return nil, fmt.Errorf("interop: services: %w", err)
	}
	defer rows.Close()
	out := map[string][]ResourceService{}
	for rows.Next() {
		var sv ResourceService
		var in, outF string
		if err := rows.Scan(&sv.Resource, &sv.Code, &sv.NameRU, &sv.NameBE, &in, &outF); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(in), &sv.Input); err != nil {
			return nil, fmt.Errorf("interop: service %s/%s input fields: %w", sv.Resource, sv.Code, err)
		}
		if err := json.Unmarshal([]byte(outF), &sv.Output); err != nil {
			return nil, fmt.Errorf("interop: service %s/%s output fields: %w", sv.Resource, sv.Code, err)
		}
		out[sv.Resource] = append(out[sv.Resource], sv)
	}
	return out, rows.Err()
}

// OwnerOf returns the code of the body that owns resource: the catalogue
// asks it which owner must approve a regulation that queries the resource.
func (s *Service) OwnerOf(ctx context.Context, resource string) (string, error) {
	var owner string
	err := s.db.R.QueryRowContext(ctx, "SELECT owner_body FROM interop_resources WHERE code = $1", resource).Scan(&owner)
	if errors.Is(err, sql.ErrNoRows) {
		return "", notFound(CodeResourceUnknown)
	}
	if err != nil {
		return "", fmt.Errorf("interop: owner of %s: %w", resource, err)
	}
	return owner, nil
}

// lookup returns the resource and its service, checking both exist.
func (s *Service) lookup(ctx context.Context, q queryer, resource, service string) (Resource, ResourceService, error) {
	r, err := s.resource(ctx, q, resource)
	if err != nil {
		return Resource{}, ResourceService{}, err
	}
	sv, ok := r.Service(service)
	if !ok {
		return Resource{}, ResourceService{}, notFound(CodeServiceUnknown)
	}
	return r, sv, nil
}

// checkPayload accepts exactly the service's input fields, every required
// one present and not empty.
func (sv ResourceService) checkPayload(p map[string]any) error {
	var c fault.Check
	known := map[string]bool{}
	for _, f := range sv.Input {
		known[f.Name] = true
		v, ok := p[f.Name]
		if f.Required && (!ok || v == nil || fmt.Sprint(v) == "") {
			c.Add("payload."+f.Name, CodeFieldRequired, map[string]any{"field": f.Name})
		}
	}
	for _, k := range slices.Sorted(maps.Keys(p)) {
		if !known[k] {
			c.Add("payload."+k, CodeFieldUnknown, map[string]any{"field": k})
		}
	}
	return c.Err()
}

// checkSigner refuses an answer signed by a trusted certificate that is not
// the resource's own.
func (r Resource) checkSigner(who signature.Identity) error {
	if r.SignerCN != "" && who.CommonName != r.SignerCN {
		return fmt.Errorf("%w: answer signed by %q, not by resource %s (%q)", envelope.ErrSignature, who.CommonName, r.Code, r.SignerCN)
	}
	if r.SignerOU != "" && who.OrganizationalUnit != r.SignerOU {
		return fmt.Errorf("%w: answer signed for unit %q, not by resource %s (%q)", envelope.ErrSignature, who.OrganizationalUnit, r.Code, r.SignerOU)
	}
	return nil
}
