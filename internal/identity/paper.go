package identity

import (
	"context"
	"fmt"

	"odnookno/internal/audit"
	"odnookno/internal/document"
)

// paperWords are the fixed texts of the annex form in both languages.
var paperWords = map[string]struct {
	title, office                                         string
	surname, name, patronymic, birthDate, pin, phone, ask string
	kinds                                                 map[Kind]string
	confirm, signature, date                              string
}{
	"ru": {
		title:   "ЗАЯВЛЕНИЕ\nо выдаче (блокировке, разблокировке, изменении номера телефона) уникального идентификатора",
		office:  "Служба выдачи уникального идентификатора",
		surname: "Фамилия", name: "Собственное имя", patronymic: "Отчество (если таковое имеется)",
		birthDate: "Дата рождения", pin: "Идентификационный номер",
		phone: "Абонентский номер оператора сотовой подвижной электросвязи Республики Беларусь",
		kinds: map[Kind]string{
			KindIssue:       "выдать уникальный идентификатор",
			KindBlock:       "заблокировать уникальный идентификатор",
			KindUnblock:     "разблокировать уникальный идентификатор",
			KindChangePhone: "изменить номер телефона уникального идентификатора",
		},
		confirm:   "Подтверждаю, что указанный в настоящем заявлении абонентский номер оператора сотовой подвижной электросвязи Республики Беларусь используется мною.",
		signature: "Подпись заявителя", date: "Дата",
	},
	"be": {
		title:   "ЗАЯВА\nаб выдачы (блакіроўцы, разблакіроўцы, змяненні нумара тэлефона) унікальнага ідэнтыфікатара",
		office:  "Служба выдачы ўнікальнага ідэнтыфікатара",
		surname: "Прозвішча", name: "Уласнае імя", patronymic: "Імя па бацьку (калі ёсць)",
		birthDate: "Дата нараджэння", pin: "Ідэнтыфікацыйны нумар",
		phone: "Абаненцкі нумар аператара сотавай рухомай электрасувязі Рэспублікі Беларусь",
		kinds: map[Kind]string{
			KindIssue:       "выдаць унікальны ідэнтыфікатар",
			KindBlock:       "заблакіраваць унікальны ідэнтыфікатар",
			KindUnblock:     "разблакіраваць унікальны ідэнтыфікатар",
			KindChangePhone: "змяніць нумар тэлефона ўнікальнага ідэнтыфікатара",
		},
		confirm:   "Пацвярджаю, што ўказаны ў гэтай заяве абаненцкі нумар аператара сотавай рухомай электрасувязі Рэспублікі Беларусь выкарыстоўваецца мною.",
		signature: "Подпіс заяўніка", date: "Дата",
	},
}

// paper is the annex form filled with the application, for the citizen's
// signature (p. 4).
func (a Application) paper() document.Document {
	w := paperWords[a.Lang]
	if w.title == "" {
		w = paperWords["ru"]
	}
	issuer := w.office + "\n" + a.Office.Name
	if a.Office.Address != "" {
		issuer += ", " + a.Office.Address
	}
	phone := a.Phone.Display()
	if a.Phone == "" {
		phone = "—"
	}
	patronymic := a.Patronymic
	if patronymic == "" {
		patronymic = "—"
	}
	d := document.Document{
		Kind:      document.UIDApplication,
		Lang:      a.Lang,
		RegNumber: a.Number(),
		Date:      a.CreatedAt,
		Issuer:    issuer,
		Title:     w.title,
		Recipient: a.FullName(),
		Fields: []document.Field{
			{Label: w.surname, Value: a.Surname},
			{Label: w.name, Value: a.Name},
			{Label: w.patronymic, Value: patronymic},
			{Label: w.birthDate, Value: a.BirthDateText()},
			{Label: w.pin, Value: string(a.PIN)},
			{Label: w.phone, Value: phone},
		},
		Paragraphs:     []string{w.confirm},
		SignatureLines: []string{w.signature, w.date},
	}
	for _, k := range Kinds {
		d.Checkboxes = append(d.Checkboxes, document.Checkbox{Label: w.kinds[k], Checked: k == a.Kind})
	}
	return d
}

func paperMeta(a Application) document.Meta {
	return document.Meta{SubjectUID: string(a.PIN), CaseNumber: ""}
}

// ApplicationPaper returns the printed application (PDF) for the
// citizen's signature and records the staff member's access to it.
func (s *Service) ApplicationPaper(ctx context.Context, office string, id int64) (Application, []byte, error) {
	a, err := s.application(ctx, s.db.R, office, id, false)
	if err != nil {
		return a, nil, err
	}
	pdf, _, err := s.docs.PDF(ctx, a.PaperCode)
	if err != nil {
		return a, nil, fmt.Errorf("identity: application paper: %w", err)
	}
	err = s.audit.Record(ctx, audit.Entry{Action: "uid.application.read", SubjectUID: string(a.PIN),
		ObjectType: "uid_application", ObjectID: a.Number(), Reason: "uid application " + a.Number() + ": print for signature",
		Details: map[string]any{"part": "paper"}})
	return a, pdf, err
}
