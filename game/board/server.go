package board

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"time"
)

//go:embed web
var web embed.FS

// Handler serves the scoreboard: the page and its read-only API for
// everyone, and the changes of state for whoever has the token.
func (b *Board) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(web, "web")
	mux.Handle("GET /", noCache(http.FileServerFS(static)))
	// The facilitator's view: its own address, all of whose data needs the
	// control token (the projector's page has none of its controls).
	mux.Handle("GET /facilitator", noCache(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, static, "facilitator.html")
	})))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /api/state", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, b.Snapshot()) })
	mux.HandleFunc("GET /api/stream", b.stream)
	mux.HandleFunc("GET /api/export", b.serveExport)
	mux.Handle("GET /api/live", b.authorizedRead(func() any { return b.LiveSnapshot() }))
	mux.Handle("GET /team", noCache(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, static, "team.html")
	})))
	mux.Handle("GET /api/team/{name}", b.teamCall(func(_ *http.Request, team string) (any, error) { return b.TeamView(team) }))
	mux.Handle("POST /api/team/{name}/endpoint", b.teamCall(func(r *http.Request, team string) (any, error) {
		var p struct {
			Endpoint string `json:"endpoint"`
		}
		if err := decode(r, &p); err != nil {
			return nil, err
		}
		if err := b.Propose(r.Context(), team, p.Endpoint); err != nil {
			return nil, err
		}
		return b.TeamView(team)
	}))

	mux.Handle("POST /api/team/{name}/hint", b.teamCall(func(r *http.Request, team string) (any, error) {
		var p struct {
			Quest int `json:"quest"`
		}
		if err := decode(r, &p); err != nil {
			return nil, err
		}
		if _, err := b.Hint(team, p.Quest, false); err != nil {
			return nil, err
		}
		return b.TeamView(team)
	}))

	for pattern, change := range b.changes() {
		mux.Handle(pattern, b.authorized(change))
	}
	mux.Handle("GET /api/workers", b.authorizedRead(func() any { return b.WorkerStatuses() }))
	mux.Handle("GET /api/debrief/{name}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !b.tokenOK(w, r) {
			return
		}
		d, err := b.Debrief(r.Context(), r.PathValue("name"))
		if err != nil {
			writeRefusal(w, err, http.StatusNotFound)
			return
		}
		if r.URL.Query().Get("format") != "html" {
			writeJSON(w, http.StatusOK, d)
			return
		}
		// The printable page, in JSON, for the facilitator's view to save.
		var page strings.Builder
		if err := d.WriteHTML(&page); err != nil {
			writeJSON(w, http.StatusInternalServerError, apiError{err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"team": d.Team, "html": page.String()})
	}))
	mux.Handle("POST /api/workers/lease", b.workerCall(func(r *http.Request) (any, error) {
		var req struct{ Worker string }
		if err := decode(r, &req); err != nil {
			return nil, err
		}
		return b.Lease(req.Worker)
	}))
	mux.Handle("POST /api/workers/minutes", b.workerCall(func(r *http.Request) (any, error) {
		var req Reports
		if err := decodeUpTo(r, &req, 4<<20); err != nil {
			return nil, err
		}
		return b.Report(req)
	}))
	return secure(mux)
}

// secure sets the headers a page shown to a room should carry: only its
// own scripts and styles (uPlot is embedded), never inside another page's
// frame, no content-type guessing, no referrer leaving the board.
func secure(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("X-Frame-Options", "DENY")
		w.Header().Set("Referrer-Policy", "no-referrer")
		h.ServeHTTP(w, r)
	})
}

// changes are the requests that change the game: each needs the token.
func (b *Board) changes() map[string]func(*http.Request) error {
	return map[string]func(*http.Request) error{
		"POST /api/pause":  func(*http.Request) error { return b.Pause() },
		"POST /api/resume": func(*http.Request) error { return b.Resume() },
		"POST /api/end":    func(*http.Request) error { return b.End() },
		"POST /api/teams/{name}": func(r *http.Request) error {
			var c TeamChange
			if err := decodeUpTo(r, &c, MaxTemplateBytes+4096); err != nil {
				return err
			}
			return b.ChangeTeam(r.PathValue("name"), c)
		},
		"POST /api/award": func(r *http.Request) error {
			var a struct {
				Team   string  `json:"team"`
				Points float64 `json:"points"`
				Reason string  `json:"reason"`
			}
			if err := decode(r, &a); err != nil {
				return err
			}
			return b.Award(a.Team, a.Points, a.Reason)
		},
		"POST /api/hint": func(r *http.Request) error {
			var h struct {
				Team  string `json:"team"`
				Quest int    `json:"quest"`
			}
			if err := decode(r, &h); err != nil {
				return err
			}
			_, err := b.Hint(h.Team, h.Quest, true)
			return err
		},
		"POST /api/freeze": func(*http.Request) error { return b.Freeze() },
		"POST /api/reveal": func(*http.Request) error { return b.Reveal() },
		"POST /api/hide":   func(*http.Request) error { return b.Hide() },
		"POST /api/show":   func(*http.Request) error { return b.Show() },
		"POST /api/events": func(r *http.Request) error {
			var e struct{ Team, Kind, Text string }
			if err := decode(r, &e); err != nil {
				return err
			}
			if e.Kind == "" {
				e.Kind = "note"
			}
			return b.Note(e.Team, e.Kind, e.Text)
		},
	}
}

// signedBy says whether the request is signed with the token whose public
// key is key, and answers 401 with why when it is not.
func (b *Board) signedBy(w http.ResponseWriter, r *http.Request, key []byte, whose string) bool {
	err := b.verifier.check(r, key)
	switch {
	case err == nil:
		return true
	case errors.Is(err, errBusy):
		writeJSON(w, http.StatusServiceUnavailable, apiError{err.Error()})
	default:
		w.Header().Set("WWW-Authenticate", SignatureScheme+` realm="gameday"`)
		writeJSON(w, http.StatusUnauthorized, apiError{fmt.Sprintf("%s: %v", whose, err)})
	}
	return false
}

// tokenOK says whether the request is signed with the control token.
func (b *Board) tokenOK(w http.ResponseWriter, r *http.Request) bool {
	return b.signedBy(w, r, b.meta.ControlKey, "this needs the control token (GAMEDAY_TOKEN, the one gameday board printed or the facilitator stack's TokenSecretArn secret)")
}

// authorizedRead answers what read returns to the control token alone.
func (b *Board) authorizedRead(read func() any) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b.tokenOK(w, r) {
			writeJSON(w, http.StatusOK, read())
		}
	})
}

// workerCall answers a worker bearing the workers' token: the control
// token does not do, and the workers' does nothing else.
func (b *Board) workerCall(call func(*http.Request) (any, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !b.signedBy(w, r, b.meta.WorkerKey, "a worker's call needs the worker token (GAMEDAY_WORKER_TOKEN, the one gameday board printed or the WorkerTokenSecretArn secret)") {
			return
		}
		v, err := call(r)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, apiError{err.Error()})
			return
		}
		if a, ok := v.(ReportsAnswer); ok && a.Error != "" {
			writeJSON(w, http.StatusUnprocessableEntity, a) // the accepted ones are kept
			return
		}
		writeJSON(w, http.StatusOK, v)
	})
}

// authorized runs change only for a request bearing the game's token.
func (b *Board) authorized(change func(*http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !b.tokenOK(w, r) {
			return
		}
		if err := change(r); err != nil {
			writeRefusal(w, err, http.StatusBadRequest)
			return
		}
		writeJSON(w, http.StatusOK, b.LiveSnapshot())
	})
}

// writeRefusal answers a refused call with its reason: 404 for no such
// team, 409 for a game over, otherwise the status given.
func writeRefusal(w http.ResponseWriter, err error, otherwise int) {
	status := otherwise
	switch {
	case errors.Is(err, ErrNoSuchTeam):
		status = http.StatusNotFound
	case errors.Is(err, ErrGameOver):
		status = http.StatusConflict
	}
	writeJSON(w, status, apiError{err.Error()})
}

type apiError struct {
	Error string `json:"error"`
}

func decode(r *http.Request, v any) error { return decodeUpTo(r, v, 4096) }

// decodeUpTo decodes a JSON body of at most limit bytes.
func decodeUpTo(r *http.Request, v any, limit int64) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return fmt.Errorf("body: over %d bytes: a text is at most %d characters, a template %d bytes", limit, MaxTextChars, MaxTemplateBytes)
		}
		return errors.New("body: want a JSON object: " + err.Error())
	}
	return nil
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func noCache(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		h.ServeHTTP(w, r)
	})
}

// stream sends the full state, then every update, as server-sent events.
func (b *Board) stream(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	// The server's write timeout would cut the stream: each write gets
	// its own deadline instead, so a viewer that stops reading is dropped.
	rc := http.NewResponseController(w)
	sub := b.hub.subscribe()
	defer b.hub.unsubscribe(sub)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	state, _ := json.Marshal(b.Snapshot())
	rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
	w.Write([]byte("retry: 2000\nevent: state\ndata: "))
	w.Write(state)
	w.Write([]byte("\n\n"))
	flusher.Flush()
	// A comment now and then keeps proxies from closing a quiet stream.
	keepalive := time.NewTicker(15 * time.Second)
	defer keepalive.Stop()
	for {
		rc.SetWriteDeadline(time.Time{})
		select {
		case msg, ok := <-sub:
			if !ok {
				return
			}
			rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
			if _, err := w.Write(msg); err != nil {
				return
			}
		case <-keepalive.C:
			rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
			if _, err := w.Write([]byte(": keepalive\n\n")); err != nil {
				return
			}
		case <-r.Context().Done():
			return
		}
		flusher.Flush()
	}
}

func (b *Board) serveExport(w http.ResponseWriter, r *http.Request) {
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "csv"
	}
	// Unsigned, the export is what the room sees (frozen, or without
	// scores while they are hidden); signed with the control token, all.
	live := r.Header.Get("Authorization") != ""
	if live && !b.tokenOK(w, r) {
		return
	}
	ex := b.export(live)
	switch format {
	case "csv":
		w.Header().Set("Content-Type", "text/csv")
		w.Header().Set("Content-Disposition", `attachment; filename="gameday-minutes.csv"`)
	case "json":
		w.Header().Set("Content-Type", "application/json")
	default:
		writeJSON(w, http.StatusBadRequest, apiError{"format " + format + ": want csv or json"})
		return
	}
	ex.Write(w, format)
}
