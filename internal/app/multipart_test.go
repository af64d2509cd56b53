package app

import (
	"bytes"
	"mime/multipart"
)

func newMultipart(buf *bytes.Buffer, field, name string, data []byte) string {
	w := multipart.NewWriter(buf)
	fw, _ := w.CreateFormFile(field, name)
	fw.Write(data)
	w.Close()
	return w.FormDataContentType()
}
