package board

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// Timeouts of the board's server. A connection that sends no request in
// time, or idles between requests, is closed; the event stream sets its
// own deadline on each write and sends a comment every 15 s.
var (
	readHeaderTimeout  = 10 * time.Second
	readTimeout        = 30 * time.Second
	writeTimeout       = 30 * time.Second
	idleTimeout        = 60 * time.Second
	streamWriteTimeout = 10 * time.Second
)

const maxHeaderBytes = 16 << 10

// MaxConnsPerAddress is how many connections one client address may hold:
// a room of viewers behind one NAT fits (each holds one stream and a few
// fetches), one client opening thousands does not lock the others out.
const MaxConnsPerAddress = 256

// NewServer is the board's HTTP server, with timeouts on every phase.
// Serve it on Listen's listener. (Go raises the soft limit of open files
// to the hard one at start-up, since Go 1.19.)
func NewServer(b *Board) *http.Server {
	return &http.Server{
		Handler:           b.Handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
	}
}

// Listen listens on addr, closing at once any connection beyond
// MaxConnsPerAddress from the same client address.
func Listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &perAddress{Listener: ln, max: MaxConnsPerAddress, open: map[string]int{}}, nil
}

type perAddress struct {
	net.Listener
	max  int
	mu   sync.Mutex
	open map[string]int
}

func (l *perAddress) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		host, _, _ := net.SplitHostPort(c.RemoteAddr().String())
		l.mu.Lock()
		full := l.open[host] >= l.max
		if !full {
			l.open[host]++
		}
		l.mu.Unlock()
		if full {
			c.Close()
			continue
		}
		return &countedConn{Conn: c, release: func() { l.release(host) }}, nil
	}
}

func (l *perAddress) release(host string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[host]--; l.open[host] <= 0 {
		delete(l.open, host)
	}
}

type countedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *countedConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}
