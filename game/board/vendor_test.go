package board

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// The page's charting library is uPlot from npm, pinned in package.json and
// copied into web/vendor by "make vendor" so the binary carries it and the
// page works with no internet. This keeps the copy and the pin together.
func TestTheVendoredChartLibraryIsTheOnePinnedInPackageJSON(t *testing.T) {
	root := filepath.Join("..", "..", "node_modules", "uplot")
	if _, err := os.Stat(root); err != nil {
		t.Fatalf("%v: run make tools first (npm ci installs uplot from package-lock.json)", err)
	}
	for vendored, source := range map[string]string{
		"uPlot.iife.min.js": "dist/uPlot.iife.min.js",
		"uPlot.min.css":     "dist/uPlot.min.css",
		"LICENSE":           "LICENSE",
	} {
		want, err := os.ReadFile(filepath.Join(root, source))
		if err != nil {
			t.Fatal(err)
		}
		got, err := web.ReadFile("web/vendor/" + vendored)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("web/vendor/%s differs from node_modules/uplot/%s: run make vendor", vendored, source)
		}
	}
}
