package plan

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/unicorn-rentals/gameday/cfn"
)

// The serving path and its gaps.
//
// An update is gapless when, at every moment CloudFormation's rules allow,
// the game's Endpoint reaches targets in service. The model, and the AWS
// behaviour each assumption rests on:
//
//  1. Order. CloudFormation creates and updates a resource only after the
//     resources it refers to (Ref, Fn::GetAtt, DependsOn) are done; others
//     run in parallel, in any order. It deletes removed resources and the
//     old copies of replaced ones last, in the cleanup phase, dependents
//     first (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-update-behaviors.html,
//     https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-dependson.html).
//     So every combination of "not started, in progress, done" that
//     respects the dependencies is a moment the checker tries.
//  2. A resource being updated may serve with its old or its new settings
//     (a distribution's edges take a new origin one by one, until
//     CloudFormation sees it Deployed:
//     https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/HowCloudFrontWorks.html#CloudFrontRegionaleEdgeCaches
//     is the edge model; the distribution's Status is InProgress until every
//     edge has it): both must reach targets.
//  3. An ECS service counts as serving a target group once CloudFormation
//     has created or updated it: CloudFormation waits for the service to
//     reach a steady state, its tasks healthy in their target groups
//     (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-event-messages.html;
//     aws-cloudformation/cloudformation-coverage-roadmap#1391 notes the
//     wait and its one exception, tasks that never pass a health check).
//     While it is being updated, only the target groups it keeps serve:
//     a deployment stops old tasks as new ones pass (minimum healthy 100 %).
//  4. An Auto Scaling group's instances join a load balancer or target
//     group when the group's update attaches it, and serve only after
//     passing its health checks; CloudFormation does not wait for that
//     (AttachLoadBalancerTargetGroups returns at once:
//     https://docs.aws.amazon.com/autoscaling/ec2/userguide/attach-load-balancer-asg.html).
//     So an attachment made by this very deploy does not count until the
//     deploy is over; one from an earlier deploy does. A detached one
//     stops serving at any moment of the group's update.
//  5. A listener routes to every target group its default action forwards
//     to with a weight above 0; each must have targets, or its share of
//     requests fails (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-listeners.html#rule-action-types).
//  6. A resource being deleted serves nothing.
//  7. Not modelled: security group rules (the stacks only ever add a rule
//     before the path that needs it, and rules CDK writes as separate
//     resources leave in cleanup), capacity (a path with one healthy
//     target counts as serving), and DNS caching of a replaced load
//     balancer's name (the stacks never replace one that serves).
//
// The entry is the front that the Endpoint output names: the old one
// during the deploy (players keep using it), and after the deploy the new
// one, which players move to.

// Gap is a moment of an update at which the entry reaches no target.
type Gap struct {
	// Phase is "update" or "cleanup".
	Phase string
	// While lists the resources not yet done at that moment, with their
	// state ("not started", "in progress"; "being deleted", "deleted").
	While []string
	// Why is the break in the path.
	Why string
	// Moments counts the combinations of stages with this break; While
	// is the one with the fewest resources under way.
	Moments int
}

func (g Gap) String() string {
	return fmt.Sprintf("%s: %s (%d moments, e.g. while %s)", g.Phase, g.Why, g.Moments, strings.Join(g.While, ", "))
}

// GapReport renders the gaps, or says there are none.
func GapReport(gaps []Gap) string {
	if len(gaps) == 0 {
		return "serving path: no gap; the Endpoint reaches targets in service at every moment of the update\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "serving path: %d gaps\n", len(gaps))
	for _, g := range gaps {
		fmt.Fprintf(&b, "  %s\n", g)
	}
	return b.String()
}

// pathTypes are the resource types a request crosses or that hold targets.
var pathTypes = []string{
	"AWS::CloudFront::Distribution",
	"AWS::CloudFront::VpcOrigin",
	"AWS::ElasticLoadBalancing::LoadBalancer",
	"AWS::ElasticLoadBalancingV2::LoadBalancer",
	"AWS::ElasticLoadBalancingV2::Listener",
	"AWS::ElasticLoadBalancingV2::TargetGroup",
	"AWS::AutoScaling::AutoScalingGroup",
	"AWS::ECS::Service",
}

// stage is where one resource is at a moment of the update.
type stage int

const (
	notStarted stage = iota
	inProgress
	done
)

// phys is one physical resource: a logical ID in the old stack or, for an
// added or replaced resource, the new one.
type phys struct {
	id  string
	new bool
}

// moment is the state of every resource on the path at one instant.
type moment struct {
	before, after map[string]map[string]any
	changed       map[string]Change
	update        map[string]stage // by logical ID, for the update phase
	cleanup       map[string]stage // by logical ID, for removed or replaced ones
	cleaning      bool
	settled       bool // the deploy is over and health checks have passed
}

// Gaps walks the serving path of the Endpoint output through every moment
// of plan p, from template before to template after.
func Gaps(before, after map[string]any, p Plan) ([]Gap, error) {
	old, now := resourcesOf(before), resourcesOf(after)
	if !Serves(before) && !Serves(after) {
		return nil, nil // not a stack that serves: nothing to walk
	}
	fromEntry, err := endpoint(before)
	if err != nil {
		return nil, fmt.Errorf("template before: %w", err)
	}
	toEntry, err := endpoint(after)
	if err != nil {
		return nil, fmt.Errorf("template after: %w", err)
	}
	m := &moment{before: old, after: now, changed: map[string]Change{}, update: map[string]stage{}, cleanup: map[string]stage{}}
	var upd []string
	for _, c := range p.Update {
		m.changed[c.ID] = c
		if onPath(c.Type) {
			upd = append(upd, c.ID)
		}
	}
	var del []string
	for _, c := range p.Cleanup {
		if onPath(c.Type) {
			del = append(del, c.ID)
		}
	}
	entry := phys{id: fromEntry}
	var gaps []Gap
	seen := map[string]int{}
	report := func(phase string, why string, states []string) {
		key := phase + "\x00" + why
		i, ok := seen[key]
		if !ok {
			seen[key] = len(gaps)
			gaps = append(gaps, Gap{Phase: phase, While: states, Why: why, Moments: 1})
			return
		}
		gaps[i].Moments++
		if len(states) < len(gaps[i].While) {
			gaps[i].While = states
		}
	}
	// phase tries every assignment of ids that the dependencies in tpl
	// allow, each in stages, then leaves every one of them done.
	phase := func(name string, ids []string, tpl map[string]map[string]any, deleting bool, stages *map[string]stage) {
		deps := closure(ids, func(id string) []string { return dependencies(tpl[id]) })
		for _, a := range assignments(ids, deps, deleting) {
			*stages = a
			if ok, why := m.serves(entry); !ok {
				report(name, why, describe(a, ids, deleting))
			}
		}
		for _, id := range ids {
			(*stages)[id] = done
		}
	}
	// The update phase: every assignment that respects the dependencies.
	phase("update", upd, now, false, &m.update)
	// The cleanup phase: everything updated; deletions dependents first.
	m.cleaning = true
	phase("cleanup", del, old, true, &m.cleanup)
	// After the deploy, players use the new Endpoint.
	m.settled = true
	if ok, why := m.serves(phys{id: toEntry, new: m.isNew(toEntry)}); !ok {
		report("after the deploy", why, []string{"nothing"})
	}
	return gaps, nil
}

func onPath(typ string) bool { return slices.Contains(pathTypes, typ) }

// Serves reports whether a template has the Endpoint output the game sends
// its traffic to: the game stack does, the chaos stack does not.
func Serves(tpl map[string]any) bool {
	outs, _ := tpl["Outputs"].(map[string]any)
	_, ok := outs["Endpoint"]
	return ok
}

// endpoint is the logical ID of the front the Endpoint output names.
func endpoint(tpl map[string]any) (string, error) {
	outs, _ := tpl["Outputs"].(map[string]any)
	out, _ := outs["Endpoint"].(map[string]any)
	if out == nil {
		return "", fmt.Errorf("no Endpoint output")
	}
	for _, id := range cfn.References(out["Value"]) {
		if _, ok := resourcesOf(tpl)[id]; ok {
			return id, nil
		}
	}
	return "", fmt.Errorf("the Endpoint output names no resource of the template")
}

// closure maps each id to the ids of the set it depends on, directly or
// through others of the set.
func closure(ids []string, direct func(string) []string) map[string][]string {
	in := map[string]bool{}
	for _, id := range ids {
		in[id] = true
	}
	out := map[string][]string{}
	for _, id := range ids {
		seen := map[string]bool{}
		var walk func(string)
		walk = func(x string) {
			for _, d := range direct(x) {
				if in[d] && !seen[d] {
					seen[d] = true
					walk(d)
				}
			}
		}
		walk(id)
		out[id] = slices.Sorted(maps.Keys(seen))
	}
	return out
}

// assignments lists every combination of stages of ids that respects
// deps. Updating (reverse false), a resource starts only when what it
// depends on is done; deleting (reverse true), only when what depends on
// it is gone.
func assignments(ids []string, deps map[string][]string, reverse bool) []map[string]stage {
	var out []map[string]stage
	cur := map[string]stage{}
	var rec func(i int)
	rec = func(i int) {
		if i == len(ids) {
			for _, a := range ids {
				for _, b := range deps[a] {
					first, then := b, a
					if reverse {
						first, then = a, b
					}
					if cur[then] > notStarted && cur[first] != done {
						return
					}
				}
			}
			out = append(out, maps.Clone(cur))
			return
		}
		for s := notStarted; s <= done; s++ {
			cur[ids[i]] = s
			rec(i + 1)
		}
	}
	rec(0)
	return out
}

func describe(a map[string]stage, ids []string, deleting bool) []string {
	var out []string
	for _, id := range ids {
		switch {
		case a[id] == done:
		case deleting && a[id] == inProgress:
			out = append(out, id+" being deleted")
		case deleting:
			continue // still there: not part of the story
		case a[id] == inProgress:
			out = append(out, id+" in progress")
		default:
			out = append(out, id+" not started")
		}
	}
	if deleting {
		for _, id := range ids {
			if a[id] == done {
				out = append(out, id+" deleted")
			}
		}
	}
	sort.Strings(out)
	if len(out) == 0 {
		out = []string{"nothing else"}
	}
	return out
}

// isNew reports whether the after template's id is a new physical
// resource: added, or replaced.
func (m *moment) isNew(id string) bool {
	c, ok := m.changed[id]
	return ok && (c.Action == Add || c.Action == Replace)
}

// exists reports whether p is there to serve at this moment.
func (m *moment) exists(p phys) bool {
	if p.new {
		return m.update[p.id] == done
	}
	if m.before[p.id] == nil {
		return false
	}
	if m.cleaning {
		if s, ok := m.cleanup[p.id]; ok && s != notStarted {
			return false
		}
	}
	return true
}

// setting is one resource's properties as a template gives them, and
// whether that is the new template.
type setting struct {
	def map[string]any
	new bool
}

// defs are the settings p may be serving with: one, or the old and the
// new while it is being updated.
func (m *moment) defs(p phys) []setting {
	oldS, newS := setting{m.before[p.id], false}, setting{m.after[p.id], true}
	if p.new {
		return []setting{newS}
	}
	c, changed := m.changed[p.id]
	if !changed || c.Action == Replace {
		return []setting{oldS}
	}
	switch m.update[p.id] {
	case notStarted:
		return []setting{oldS}
	case inProgress:
		return []setting{oldS, newS}
	}
	return []setting{newS}
}

// ref resolves a logical ID that setting s refers to: in the new
// template, an added or replaced resource is the new one.
func (m *moment) ref(s setting, id string) phys {
	return phys{id: id, new: s.new && m.isNew(id)}
}

// all reports whether every settings p may have serves, with the first
// reason one does not.
func (m *moment) all(p phys, serve func(s setting) (bool, string)) (bool, string) {
	if !m.exists(p) {
		return false, p.id + " is not there"
	}
	for _, s := range m.defs(p) {
		if ok, why := serve(s); !ok {
			return false, why
		}
	}
	return true, ""
}

// serves reports whether a request to p reaches a target in service.
func (m *moment) serves(p phys) (bool, string) {
	typ := m.typeOf(p)
	switch typ {
	case "AWS::CloudFront::Distribution":
		return m.all(p, func(s setting) (bool, string) {
			origin := m.origin(s)
			if origin == nil {
				return false, p.id + " has no origin"
			}
			return m.serves(*origin)
		})
	case "AWS::CloudFront::VpcOrigin":
		return m.all(p, func(s setting) (bool, string) {
			arn := dig(s.def, "Properties", "VpcOriginEndpointConfig", "Arn")
			for _, id := range cfn.References(arn) {
				return m.serves(m.ref(s, id))
			}
			return false, p.id + " names no load balancer"
		})
	case "AWS::ElasticLoadBalancingV2::LoadBalancer":
		if !m.exists(p) {
			return false, p.id + " is not there"
		}
		why := p.id + " has no listener"
		for _, l := range m.listenersOf(p) {
			ok, reason := m.all(l, func(s setting) (bool, string) {
				if !m.names(s, "LoadBalancerArn", p) {
					return false, l.id + " is not on " + p.id
				}
				return m.forwards(l, s)
			})
			if ok {
				return true, ""
			}
			why = reason
		}
		return false, why
	case "AWS::ElasticLoadBalancing::LoadBalancer", "AWS::ElasticLoadBalancingV2::TargetGroup":
		if !m.exists(p) {
			return false, p.id + " is not there"
		}
		return m.hasTargets(p)
	}
	return false, fmt.Sprintf("%s (%s) is not a front, load balancer or target group the checker knows", p.id, typ)
}

func (m *moment) typeOf(p phys) string {
	r := m.before[p.id]
	if p.new || r == nil {
		r = m.after[p.id]
	}
	typ, _ := r["Type"].(string)
	return typ
}

// origin is the origin of a distribution's default behaviour.
func (m *moment) origin(s setting) *phys {
	cfg, _ := dig(s.def, "Properties", "DistributionConfig").(map[string]any)
	target, _ := dig(cfg, "DefaultCacheBehavior", "TargetOriginId").(string)
	origins, _ := cfg["Origins"].([]any)
	for _, o := range origins {
		om, _ := o.(map[string]any)
		if om["Id"] != target {
			continue
		}
		ids := cfn.References(dig(om, "VpcOriginConfig", "VpcOriginId"))
		if len(ids) == 0 {
			ids = cfn.References(om["DomainName"])
		}
		if len(ids) > 0 {
			r := m.ref(s, ids[0])
			return &r
		}
	}
	return nil
}

// listenersOf lists the listeners that exist and name load balancer lb in
// any of their settings.
func (m *moment) listenersOf(lb phys) []phys {
	var out []phys
	for _, c := range m.candidates("AWS::ElasticLoadBalancingV2::Listener") {
		for _, s := range m.defs(c) {
			if m.exists(c) && m.names(s, "LoadBalancerArn", lb) {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// candidates are the physical resources of a type, old and new.
func (m *moment) candidates(typ string) []phys {
	var out []phys
	for _, id := range slices.Sorted(maps.Keys(m.before)) {
		if m.before[id]["Type"] == typ {
			out = append(out, phys{id: id})
		}
	}
	for _, id := range slices.Sorted(maps.Keys(m.after)) {
		if m.after[id]["Type"] == typ && m.isNew(id) {
			out = append(out, phys{id: id, new: true})
		}
	}
	return out
}

// forwards reports whether a listener's default action reaches targets:
// every target group it sends a share of requests to.
func (m *moment) forwards(l phys, s setting) (bool, string) {
	actions, _ := dig(s.def, "Properties", "DefaultActions").([]any)
	for _, a := range actions {
		am, _ := a.(map[string]any)
		if am["Type"] != "forward" {
			continue
		}
		var groups []string
		if tg := cfn.References(am["TargetGroupArn"]); len(tg) > 0 {
			groups = append(groups, tg[0])
		}
		fc, _ := dig(am, "ForwardConfig", "TargetGroups").([]any)
		for _, g := range fc {
			gm, _ := g.(map[string]any)
			if w, ok := gm["Weight"].(float64); ok && w == 0 {
				continue
			}
			groups = append(groups, cfn.References(gm["TargetGroupArn"])...)
		}
		if len(groups) == 0 {
			return false, l.id + " forwards to no target group"
		}
		for _, g := range groups {
			if ok, why := m.serves(m.ref(s, g)); !ok {
				return false, why
			}
		}
		return true, ""
	}
	return false, l.id + " does not forward"
}

// hasTargets reports whether a target group or Classic Load Balancer has
// a target in service: an Auto Scaling group or an ECS service whose
// every current settings register with it.
func (m *moment) hasTargets(p phys) (bool, string) {
	why := p.id + " has no targets"
	for _, typ := range []string{"AWS::AutoScaling::AutoScalingGroup", "AWS::ECS::Service"} {
		for _, t := range m.candidates(typ) {
			if !m.exists(t) {
				if t.new && m.registers(setting{m.after[t.id], true}, p) {
					why = fmt.Sprintf("%s has no targets in service: %s is %s", p.id, t.id, m.stageName(t.id))
				}
				continue
			}
			defs := m.defs(t)
			ok := true
			for _, s := range defs {
				ok = ok && m.registers(s, p)
			}
			if ok && typ == "AWS::AutoScaling::AutoScalingGroup" && !m.settled {
				// An attachment serves once health checks pass, which this
				// deploy does not wait for: it must predate the deploy.
				ok = !t.new && m.registers(setting{m.before[t.id], false}, p)
				if !ok {
					why = fmt.Sprintf("%s has no targets in service: %s's instances are registering (health checks CloudFormation does not wait for)", p.id, t.id)
				}
			}
			if ok {
				return true, ""
			}
			if len(defs) > 1 && m.registers(defs[0], p) {
				why = fmt.Sprintf("%s has no targets in service: %s is being updated and leaves it", p.id, t.id)
			}
		}
	}
	return false, why
}

func (m *moment) stageName(id string) string {
	switch m.update[id] {
	case inProgress:
		return "being created"
	case done:
		return "created"
	}
	return "not created yet"
}

// names reports whether setting s's property prop refers to p.
func (m *moment) names(s setting, prop string, p phys) bool {
	for _, id := range cfn.References(dig(s.def, "Properties", prop)) {
		if m.ref(s, id) == p {
			return true
		}
	}
	return false
}

// registers reports whether setting s of an Auto Scaling group or ECS
// service puts its targets in p.
func (m *moment) registers(s setting, p phys) bool {
	props, _ := s.def["Properties"].(map[string]any)
	var refs []string
	switch s.def["Type"] {
	case "AWS::AutoScaling::AutoScalingGroup":
		refs = append(cfn.References(props["TargetGroupARNs"]), cfn.References(props["LoadBalancerNames"])...)
	case "AWS::ECS::Service":
		lbs, _ := props["LoadBalancers"].([]any)
		for _, l := range lbs {
			lm, _ := l.(map[string]any)
			refs = append(refs, cfn.References(lm["TargetGroupArn"])...)
			refs = append(refs, cfn.References(lm["LoadBalancerName"])...)
		}
	}
	for _, id := range refs {
		if m.ref(s, id) == p {
			return true
		}
	}
	return false
}

func dig(v any, path ...string) any {
	for _, k := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}
