package httperr

import (
	"errors"
	"net/http"
)

// Error is a request refused: Code and Msg go to the client, Err (if any)
// is the cause, logged but never sent.
type Error struct {
	Code int
	Msg  string
	Err  error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Msg + ": " + e.Err.Error()
	}
	return e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// New refuses a request with code and msg; err is the cause for the log.
func New(code int, msg string, err error) error { return &Error{Code: code, Msg: msg, Err: err} }

// From returns err as an *Error: an error that is not one is a 500
// "internal error" whose cause is err, never shown to the client.
func From(err error) *Error {
	var he *Error
	if errors.As(err, &he) {
		return he
	}
	return &Error{Code: http.StatusInternalServerError, Msg: "internal error", Err: err}
}
