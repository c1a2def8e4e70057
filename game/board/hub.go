package board

import (
	"encoding/json"
	"fmt"
	"sync"
)

// hub fans updates out to the pages watching. A page that cannot keep up
// is dropped rather than allowed to slow the game; its browser reconnects
// and starts again from a full state.
type hub struct {
	mu   sync.Mutex
	subs map[chan []byte]struct{}
}

// subscriberBuffer is how many updates a page may fall behind.
const subscriberBuffer = 64

func newHub() *hub { return &hub{subs: map[chan []byte]struct{}{}} }

func (h *hub) subscribe() chan []byte {
	c := make(chan []byte, subscriberBuffer)
	h.mu.Lock()
	h.subs[c] = struct{}{}
	h.mu.Unlock()
	return c
}

func (h *hub) unsubscribe(c chan []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[c]; ok {
		delete(h.subs, c)
		close(c)
	}
}

// publish sends one server-sent event to every page.
func (h *hub) publish(kind string, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		return // every value published is plain data
	}
	msg := fmt.Appendf(nil, "event: %s\ndata: %s\n\n", kind, data)
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.subs {
		select {
		case c <- msg:
		default:
			delete(h.subs, c)
			close(c)
		}
	}
}
