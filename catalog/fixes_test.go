package catalog

import (
	"slices"
	"strings"
	"testing"

	"github.com/unicorn-rentals/gameday/test/testkit"
)

func TestBaselineSpellings(t *testing.T) {
	for _, v := range []string{"", "none", "  none "} {
		s, err := ParseFixSet(v)
		if err != nil || !s.IsBaseline() || s.String() != "none" {
			t.Errorf("ParseFixSet(%q) = %v, %v; want the baseline", v, s, err)
		}
	}
}

func TestEveryFixNameIsRecognised(t *testing.T) {
	for _, f := range AllFixes {
		t.Run(string(f), func(t *testing.T) {
			set := NewFixSet(append(requires[f], f)...)
			_, err := ParseFixSet(set.String())
			if err != nil && strings.Contains(err.Error(), "unknown fix") {
				t.Fatalf("%s not recognised: %v", f, err)
			}
			if err != nil {
				t.Fatalf("fix %s with its requirements: %v", f, err)
			}
		})
	}
}

func TestUnknownFixListsTheValidOnes(t *testing.T) {
	_, err := ParseFixSet("cache,cahce")
	want := `unknown fix "cahce"; valid fixes are cache, cleanup, subnets, deploy, alb, retire-clb, autoscale, fargate, retire-ec2, vpc-origin, harden (or none, all)`
	if err == nil || err.Error() != want {
		t.Fatalf("error %v, want %q", err, want)
	}
}

func TestMalformedLists(t *testing.T) {
	for v, want := range map[string]string{
		"cache,,alb": "empty fix name",
		"none,cache": `"none" cannot be combined`,
		"all,cache":  `"all" cannot be combined`,
		"Cache":      `unknown fix "Cache"`,
	} {
		if _, err := ParseFixSet(v); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseFixSet(%q): %v, want it to contain %q", v, err, want)
		}
	}
}

func TestRequirementsAreNamed(t *testing.T) {
	_, err := ParseFixSet("fargate")
	if want := "fargate requires alb, fargate requires retire-clb, fargate requires subnets; add the missing fixes to the list"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
	if _, err := ParseFixSet("autoscale"); err == nil || !strings.Contains(err.Error(), "autoscale requires alb") {
		t.Errorf("autoscale without alb: %v", err)
	}
	if _, err := ParseFixSet("harden,alb,retire-clb,vpc-origin"); err == nil || err.Error() != "vpc-origin requires cache, harden requires cache; add the missing fixes to the list" {
		t.Errorf("harden without cache: %v", err)
	}
	if s, err := ParseFixSet(" alb , cache,alb"); err != nil || s.String() != "cache,alb" {
		t.Errorf("spaces and repeats: %v %v, want cache,alb in canonical order", s, err)
	}
	if s, err := ParseFixSet("all"); err != nil || s.String() != "all" || len(s.Fixes()) != len(AllFixes) {
		t.Errorf("all: %v %v", s, err)
	}
}

func TestEveryFlawHasAKnownFixAndAUniqueID(t *testing.T) {
	seen := map[FlawID]bool{}
	for _, f := range Flaws {
		if seen[f.ID] {
			t.Errorf("flaw %s listed twice", f.ID)
		}
		seen[f.ID] = true
		if f.What == "" || f.Clue == "" || f.Category == "" {
			t.Errorf("flaw %s lacks a description, clue or category", f.ID)
		}
		if !NewFixSet(AllFixes...).Has(f.FixedBy) {
			t.Errorf("flaw %s is fixed by unknown fix %q", f.ID, f.FixedBy)
		}
	}
	// Every fix removes at least one flaw, or prepares the deploy that
	// does, or it teaches nothing.
	for _, fix := range AllFixes {
		removes := false
		for _, f := range Flaws {
			removes = removes || f.FixedBy == fix
		}
		next, prepares := fix.Prepares()
		switch {
		case removes && prepares:
			t.Errorf("fix %s both removes a flaw and prepares %s", fix, next)
		case prepares && slices.Index(AllFixes, next) < slices.Index(AllFixes, fix):
			t.Errorf("fix %s prepares %s, which comes before it", fix, next)
		case !removes && !prepares:
			t.Errorf("fix %s removes no flaw in the catalog", fix)
		}
	}
}

func TestPresentFollowsTheCatalog(t *testing.T) {
	baseline, cleaned := NewFixSet(), NewFixSet(FixCleanup)
	if !baseline.Present(FlawIdleElasticIP) || cleaned.Present(FlawIdleElasticIP) {
		t.Error("idle-elastic-ip should be present in the baseline and gone with cleanup")
	}
	if !cleaned.Present(FlawNoCache) {
		t.Error("cleanup must not remove no-cache")
	}
	// A flaw goes with the part it lives on.
	if NewFixSet(FixALB, FixRetireCLB).Present(FlawTCPHealthCheck) || !NewFixSet(FixALB).Present(FlawTCPHealthCheck) {
		t.Error("tcp-lb-health-check should go with the Classic Load Balancer")
	}
	if !NewFixSet(FixALB, FixRetireCLB, FixSubnets, FixFargate, FixRetireEC2).Present(FlawIMDSv1) {
		t.Error("imdsv1 should stay while the forgotten instance does")
	}
	if NewFixSet(FixALB, FixRetireCLB, FixSubnets, FixFargate, FixRetireEC2, FixCleanup).Present(FlawIMDSv1) {
		t.Error("imdsv1 should go with the last instance")
	}
	if w := cleaned.WasteCostPerHour(); w != 0 {
		t.Errorf("waste after cleanup: $%v/h, want 0", w)
	}
	if w := baseline.WasteCostPerHour(); w < 0.2 || w > 0.3 {
		t.Errorf("baseline waste $%v/h: expected about $0.23 (NAT, EIP, volume, instance, monitoring, root volumes)", w)
	}
}

func TestTrafficOnALB(t *testing.T) {
	for set, want := range map[string]bool{
		"none": false, "alb": true, "cache,alb": false, "cache,alb,retire-clb": true, "alb,retire-clb": true,
	} {
		s, err := ParseFixSet(set)
		if err != nil {
			t.Fatal(err)
		}
		if s.TrafficOnALB() != want {
			t.Errorf("%s: traffic on the ALB %v, want %v", set, !want, want)
		}
	}
}

func TestFlawsDocumentMatchesTheCatalog(t *testing.T) {
	want := FlawsMarkdown()
	testkit.Golden(t, "../docs/flaws.md", want, "the flaw catalog in catalog/flaws.go")
	for _, f := range Flaws {
		if !strings.Contains(want, "## "+string(f.ID)) {
			t.Errorf("docs lack flaw %s", f.ID)
		}
	}
}

// Every flaw has its three hints, each different from the others, and
// the last names the fix that removes it.
func TestEveryFlawHasItsHints(t *testing.T) {
	for _, f := range Flaws {
		seen := map[string]bool{}
		for level := 1; level <= HintLevels; level++ {
			h, err := f.Hint(level)
			if err != nil || h == "" || seen[h] {
				t.Errorf("%s hint %d: %q, %v: want a hint of its own", f.ID, level, h, err)
			}
			seen[h] = true
		}
		if last, _ := f.Hint(HintLevels); !strings.Contains(last, string(f.FixedBy)) {
			t.Errorf("%s's last hint %q does not name its fix %s", f.ID, last, f.FixedBy)
		}
		if _, err := f.Hint(HintLevels + 1); err == nil {
			t.Errorf("%s: a hint past the last", f.ID)
		}
	}
}
