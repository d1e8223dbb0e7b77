package kb

import (
	"errors"
	"fmt"
	"strings"
)

// Error is a content problem a curator can fix: it prints as file:line: reason.
type Error struct {
	File   string
	Line   int
	Reason string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Reason)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Reason)
}

// Errors is every content problem found in one pass, so a curator sees them all
// at once instead of fixing one per run.
type Errors []*Error

func (es Errors) Error() string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

func (es *Errors) add(file string, line int, format string, args ...any) {
	*es = append(*es, &Error{File: file, Line: line, Reason: fmt.Sprintf(format, args...)})
}

func (es Errors) err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// ErrInvalidContent matches (with errors.Is) any content validation failure.
var ErrInvalidContent = errors.New("invalid content")

// Is makes errors.Is(err, ErrInvalidContent) true for content errors.
func (es Errors) Is(target error) bool { return target == ErrInvalidContent }

// Is makes errors.Is(err, ErrInvalidContent) true for content errors.
func (e *Error) Is(target error) bool { return target == ErrInvalidContent }
