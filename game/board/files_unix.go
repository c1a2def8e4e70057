//go:build unix

package board

import "syscall"

// openFileLimit is how many files this process may open. Go raises the
// soft limit to the hard one at start-up, so this is what the engine has.
func openFileLimit() (uint64, bool) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 0, false
	}
	return uint64(r.Cur), true
}
