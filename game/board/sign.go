package board

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A credential never crosses the wire. Each token is the seed of an
// Ed25519 key pair: ctl, the workers and the page sign every call with the
// private key, and the board holds only the public keys, in memory and in
// its database. Whoever reads the traffic (between CloudFront and the
// board's load balancer, or the workers' plain HTTP inside the VPC) or the
// board's disk gets no credential; a captured request cannot be sent
// again (each carries a nonce, kept for the window) nor changed (the
// signature covers the method, the path and query, the time, the nonce
// and the body's SHA-256).

// SignatureScheme is the Authorization scheme of a signed call.
const SignatureScheme = "GameDay-Ed25519"

// SignedWindow is how far a signed call's time may be from the board's
// clock, either way.
const SignedWindow = 5 * time.Minute

// maxSignedBody bounds a signed call's body, read whole to check its hash:
// the largest call's (a worker's minute reports).
const maxSignedBody = 4<<20 + 4096

// keySalt ties the keys to this use of the token.
const keySalt = "gameday/v1/"

func privateKey(token string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte(keySalt + token))
	return ed25519.NewKeyFromSeed(seed[:])
}

// PublicKey is the key that checks calls signed with token: what the board
// keeps instead of the token.
func PublicKey(token string) ed25519.PublicKey {
	return privateKey(token).Public().(ed25519.PublicKey)
}

// signedText is what a signature covers, one field a line.
func signedText(method, uri string, at int64, nonce string, body []byte) []byte {
	sum := sha256.Sum256(body)
	return []byte(strings.Join([]string{method, uri, strconv.FormatInt(at, 10), nonce, hex.EncodeToString(sum[:])}, "\n"))
}

// Sign signs req with token at now: it reads the body and puts it back.
func Sign(req *http.Request, token string, now time.Time) error {
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return fmt.Errorf("signing %s: %w", req.URL.Path, err)
		}
		req.Body.Close()
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	req.ContentLength = int64(len(body))
	raw := make([]byte, 16)
	if _, err := rand.Read(raw); err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	nonce, at := hex.EncodeToString(raw), now.Unix()
	sig := ed25519.Sign(privateKey(token), signedText(req.Method, req.URL.RequestURI(), at, nonce, body))
	req.Header.Set("Authorization", fmt.Sprintf("%s t=%d,n=%s,s=%s", SignatureScheme, at, nonce, base64.RawURLEncoding.EncodeToString(sig)))
	return nil
}

// signature is an Authorization header's parts.
type signature struct {
	at    int64
	nonce string
	sig   []byte
}

func parseSignature(header string) (signature, error) {
	scheme, params, _ := strings.Cut(header, " ")
	if !strings.EqualFold(scheme, SignatureScheme) {
		if strings.EqualFold(scheme, "Bearer") {
			return signature{}, errors.New("a bearer token is refused: the board takes signed calls only, so that no token crosses the network (gameday ctl and gameday worker sign theirs)")
		}
		return signature{}, fmt.Errorf("want Authorization: %s t=...,n=...,s=... (gameday ctl signs its calls with the token)", SignatureScheme)
	}
	var s signature
	var err error
	for _, kv := range strings.Split(params, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		switch k {
		case "t":
			s.at, err = strconv.ParseInt(v, 10, 64)
		case "n":
			if len(v) != 32 {
				err = errors.New("the nonce is not 16 bytes in hex")
			}
			s.nonce = v
		case "s":
			s.sig, err = base64.RawURLEncoding.DecodeString(v)
		}
		if err != nil {
			return s, fmt.Errorf("a malformed signature (%s): %w", k, err)
		}
	}
	if s.nonce == "" || len(s.sig) != ed25519.SignatureSize {
		return s, errors.New("a malformed signature: want t, n and s")
	}
	return s, nil
}

// verifier checks signed calls and remembers their nonces for the
// window, so that none is accepted twice.
type verifier struct {
	now func() time.Time

	mu   sync.Mutex
	seen map[string]time.Time // nonce -> when it may be forgotten
}

// maxNonces bounds the nonces kept: far above what ctl, the page and 200
// teams' workers sign in a window (a lease every few seconds and a report
// a minute per worker).
const maxNonces = 200_000

// errReplayed and errBusy are refusals of a well-signed call.
var (
	errReplayed = errors.New("this signed call was already received: sign each call afresh")
	errBusy     = errors.New("too many signed calls in the window: try again in a minute")
)

// check reads r's body and checks its signature with key: it returns the
// reason for refusing it, or nil and puts the body back for the handler.
func (v *verifier) check(r *http.Request, key ed25519.PublicKey) error {
	s, err := parseSignature(r.Header.Get("Authorization"))
	if err != nil {
		return err
	}
	now := v.now()
	if skew := now.Sub(time.Unix(s.at, 0)); skew > SignedWindow || skew < -SignedWindow {
		return fmt.Errorf("the call was signed at %s, %s from the board's clock (%s): set the signing machine's clock (NTP)", time.Unix(s.at, 0).UTC().Format(time.RFC3339), skew.Round(time.Second), now.UTC().Format(time.RFC3339))
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxSignedBody+1))
	if err != nil {
		return fmt.Errorf("reading the body: %w", err)
	}
	if len(body) > maxSignedBody {
		return fmt.Errorf("a body over %d bytes", maxSignedBody)
	}
	if len(key) != ed25519.PublicKeySize || !ed25519.Verify(key, signedText(r.Method, r.URL.RequestURI(), s.at, s.nonce, body), s.sig) {
		return errBadSignature
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.seen == nil {
		v.seen = map[string]time.Time{}
	}
	if _, ok := v.seen[s.nonce]; ok {
		return errReplayed
	}
	if len(v.seen) >= maxNonces {
		for n, until := range v.seen {
			if now.After(until) {
				delete(v.seen, n)
			}
		}
		if len(v.seen) >= maxNonces {
			return errBusy
		}
	}
	v.seen[s.nonce] = now.Add(2 * SignedWindow)
	r.Body = io.NopCloser(bytes.NewReader(body))
	return nil
}

// errBadSignature is a call signed with another token, or changed on the
// way.
var errBadSignature = errors.New("the signature does not match: the call was signed with another token, or changed on the way")
