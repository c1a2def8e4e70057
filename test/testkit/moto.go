package testkit

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"testing"
	"time"
)

// shared is the one moto server of a package whose TestMain is MotoMain.
var shared struct {
	on   bool
	url  string
	stop func()
}

// MotoMain runs a package's tests with one moto server for all of them,
// reset before each test that asks for it, and stopped at the end:
// starting moto costs a second or two of CPU. Call it from TestMain:
// os.Exit(testkit.MotoMain(m)).
func MotoMain(m *testing.M) int {
	shared.on = true
	code := m.Run()
	if shared.stop != nil {
		shared.stop()
	}
	return code
}

// Moto starts moto's server (moto_server, the AWS API mock that make
// aws-tools installs with pip) on a loopback port for the test, points
// the AWS SDK at fake credentials, and returns its address. Every call
// the test makes lands in moto's memory; nothing reaches AWS. Under
// MotoMain, the package's one server is reset and reused.
func Moto(t testing.TB) string {
	t.Helper()
	if shared.on && shared.url != "" {
		resp, err := http.Post(shared.url+"/moto-api/reset", "application/json", nil)
		if err != nil {
			t.Fatalf("resetting moto: %v", err)
		}
		resp.Body.Close()
		motoEnv(t)
		return shared.url
	}
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		t.Fatalf("moto_server is not installed: run make aws-tools (pip install 'moto[server]')")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	var out bytes.Buffer
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stop := func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	if shared.on {
		shared.stop = stop
	} else {
		t.Cleanup(stop)
	}
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("moto_server did not answer on %s within 30 s:\n%s", url, out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if shared.on {
		shared.url = url
	}
	motoEnv(t)
	return url
}

// motoEnv gives the test's AWS SDK fake credentials and no shared files.
func motoEnv(t testing.TB) {
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
		"AWS_REGION": "us-east-1", "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
		"AWS_EC2_METADATA_DISABLED": "true",
	} {
		t.Setenv(k, v)
	}
}
