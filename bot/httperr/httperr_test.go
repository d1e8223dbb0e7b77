package httperr

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
)

func TestFrom(t *testing.T) {
	t.Parallel()
	cause := errors.New("disk full")
	refused := fmt.Errorf("vote: %w", New(http.StatusServiceUnavailable, "retry later", cause))
	if he := From(refused); he.Code != http.StatusServiceUnavailable || he.Msg != "retry later" || !errors.Is(refused, cause) {
		t.Errorf("wrapped refusal: %+v", he)
	}
	if he := From(cause); he.Code != http.StatusInternalServerError || he.Msg != "internal error" || he.Err != cause {
		t.Errorf("plain error: %+v", he)
	}
	if got := New(400, "bad", nil).Error(); got != "bad" {
		t.Errorf("Error() = %q", got)
	}
}
