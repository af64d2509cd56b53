package notify_test

import (
	"bytes"
	"context"
	"io"
	"log"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/riverqueue/river"

	"odnookno/internal/notify"
	"odnookno/internal/store"
)

// letter is what the test SMTP server received.
type letter struct {
	from string
	to   []string
	data []byte
}

// mailbox is a go-smtp backend that keeps every letter and refuses the
// recipients in reject with a permanent 550.
type mailbox struct {
	mu      sync.Mutex
	letters []letter
	got     chan letter
	reject  map[string]bool
}

func newMailbox() *mailbox {
	return &mailbox{got: make(chan letter, 100), reject: map[string]bool{}}
}

func (b *mailbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{box: b}, nil }

type session struct {
	box *mailbox
	cur letter
}

func (s *session) Reset()        { s.cur = letter{} }
func (s *session) Logout() error { return nil }
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.cur.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.box.reject[to] {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}
	}
	s.cur.to = append(s.cur.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data = data
	s.box.mu.Lock()
	s.box.letters = append(s.box.letters, s.cur)
	s.box.mu.Unlock()
	s.box.got <- s.cur
	return nil
}

// smtpServer is an in-process mail server that can be stopped and started
// again on the same port, to play a relay outage.
type smtpServer struct {
	box  *mailbox
	addr string
	srv  *smtp.Server
	l    net.Listener
}

// stop closes the listener itself as well: a server closed before its
// Serve goroutine registered the listener would leave the port accepting.
func (s *smtpServer) stop() {
	s.l.Close()
	s.srv.Close()
}

func startSMTP(t *testing.T, box *mailbox, addr string) *smtpServer {
	t.Helper()
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := smtp.NewServer(box)
	srv.Domain = "mail.test"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	go srv.Serve(l)
	s := &smtpServer{box: box, addr: l.Addr().String(), srv: srv, l: l}
	t.Cleanup(s.stop)
	return s
}

func (s *smtpServer) sender() *notify.SMTPSender {
	host, port, _ := net.SplitHostPort(s.addr)
	var p int
	for _, c := range port {
		p = p*10 + int(c-'0')
	}
	return &notify.SMTPSender{Host: host, Port: p, From: "noreply@odnookno.example.by", TLS: notify.TLSNone, Timeout: 5 * time.Second}
}

// readLetter is a received letter with its headers decoded.
type readLetter struct {
	from, subject, body, contentType string
}

func parseLetter(t *testing.T, l letter) readLetter {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(l.data))
	if err != nil {
		t.Fatalf("not a message: %v\n%s", err, l.data)
	}
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	var body io.Reader = m.Body
	if strings.EqualFold(m.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedprintable.NewReader(m.Body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	return readLetter{from: m.Header.Get("From"), subject: subject, body: string(b), contentType: m.Header.Get("Content-Type")}
}

func TestEmail(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		box := newMailbox()
		srv := startSMTP(t, box, "")
		f := setup(t, db, notify.Options{Email: srv.sender(), BaseURL: "https://odnookno.example.by/"})
		const to = "ivan.petrov@example.by"
		id := f.enqueue(t, notify.Message{Channel: notify.ChannelEmail, To: to, Kind: notify.KindCaseRegistered,
			Params: map[string]any{"number": "2026-0001234/МГИК", "due": "2026-04-15"}, Link: "/cabinet/cases/1234"})
		f.start(t, 0)
		f.waitDone(t, 1, 30*time.Second, nil)

		var l letter
		select {
		case l = <-box.got:
		default:
			t.Fatal("the server has no letter")
		}
		if l.from != "noreply@odnookno.example.by" || len(l.to) != 1 || l.to[0] != to {
			t.Fatalf("envelope from %q to %v", l.from, l.to)
		}
		rl := parseLetter(t, l)
		from, err := mail.ParseAddress(rl.from)
		if err != nil || from.Name != "Одно окно" || from.Address != "noreply@odnookno.example.by" {
			t.Fatalf("From %q → %v %v", rl.from, from, err)
		}
		if strings.ContainsFunc(rl.from, func(r rune) bool { return r > 127 }) {
			t.Errorf("From header is not RFC 2047 encoded: %q", rl.from)
		}
		if rl.subject != "Заявление 2026-0001234/МГИК зарегистрировано" {
			t.Errorf("Subject %q", rl.subject)
		}
		if !strings.Contains(rl.contentType, "text/plain") || !strings.Contains(strings.ToLower(rl.contentType), "utf-8") {
			t.Errorf("Content-Type %q", rl.contentType)
		}
		for _, want := range []string{
			"Заявление 2026-0001234/МГИК зарегистрировано. Срок рассмотрения — до 15.04.2026.",
			"https://odnookno.example.by/cabinet/cases/1234",
			"Отвечать на него не нужно.",
		} {
			if !strings.Contains(rl.body, want) {
				t.Errorf("body lacks %q:\n%s", want, rl.body)
			}
		}
		if r := f.get(t, id); r.Status != notify.StatusSent || r.Attempts != 1 || r.To != "i***@example.by" {
			t.Errorf("record %+v", r)
		}
		if strings.Contains(f.logs.String(), to) {
			t.Errorf("logs name the full address:\n%s", f.logs.String())
		}
	})
}

// TestEmailOutage stops the mail server, enqueues, and starts the server
// again on the same port: the letter waits in the outbox and arrives.
func TestEmailOutage(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		box := newMailbox()
		srv := startSMTP(t, box, "")
		f := setup(t, db, notify.Options{Email: srv.sender()})
		srv.stop()
		id := f.enqueue(t, notify.Message{Channel: notify.ChannelEmail, To: "olga@example.by", Lang: "be",
			Kind: notify.KindCaseDecision, Params: map[string]any{"number": "2026-55"}})
		f.start(t, 0)
		ev := f.waitEvent(t, river.EventKindJobFailed, 30*time.Second)
		if len(ev.Job.Errors) == 0 || !strings.Contains(ev.Job.Errors[len(ev.Job.Errors)-1].Error, "dial") {
			t.Fatalf("first attempt should fail to connect: %+v", ev.Job.Errors)
		}
		startSMTP(t, box, srv.addr)
		f.waitDone(t, 1, 30*time.Second, nil)
		l := <-box.got
		rl := parseLetter(t, l)
		if rl.subject != "Рашэнне па заяве 2026-55" || !strings.Contains(rl.body, "Яно даступна ў асабістым кабінеце") ||
			!strings.Contains(rl.body, "Адказваць на яго не трэба.") {
			t.Fatalf("letter %q\n%s", rl.subject, rl.body)
		}
		r := f.get(t, id)
		if r.Status != notify.StatusSent || r.Attempts < 2 || r.LastError == "" {
			t.Fatalf("record %+v", r)
		}
		box.mu.Lock()
		defer box.mu.Unlock()
		if len(box.letters) != 1 {
			t.Fatalf("%d letters arrived", len(box.letters))
		}
	})
}

// TestEmailRefused: a 550 for the recipient fails the message at once,
// without the retry schedule.
func TestEmailRefused(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		box := newMailbox()
		box.reject["gone@example.by"] = true
		srv := startSMTP(t, box, "")
		f := setup(t, db, notify.Options{Email: srv.sender()})
		id := f.enqueue(t, notify.Message{Channel: notify.ChannelEmail, To: "gone@example.by",
			Kind: notify.KindDocumentReady, Params: map[string]any{"title": "Справка"}})
		f.start(t, 0)
		f.waitEvent(t, river.EventKindJobCancelled, 30*time.Second)
		r := f.get(t, id)
		if r.Status != notify.StatusFailed || r.Attempts != 1 || !strings.Contains(r.LastError, "550") ||
			strings.Contains(r.LastError, "gone@example.by") {
			t.Fatalf("record %+v", r)
		}
	})
}

func TestSMTPSenderConfig(t *testing.T) {
	for _, s := range []*notify.SMTPSender{
		{From: "a@b.by"},
		{Host: "h"},
		{Host: "h", From: "a@b.by", TLS: "sometimes"},
	} {
		if s.Check() == nil {
			t.Errorf("%+v accepted", s)
		}
		if err := s.SendEmail(context.Background(), notify.Email{To: "x@y.by"}); !notify.IsPermanent(err) {
			t.Errorf("%+v: misconfiguration should be permanent, got %v", s, err)
		}
	}
	if err := (&notify.SMTPSender{Host: "h", From: "a@b.by"}).Check(); err != nil {
		t.Error(err)
	}
}
