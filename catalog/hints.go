package catalog

import "fmt"

// HintLevels is how many hints a flaw has: a nudge in the runbook's
// voice, then where to look (the flaw's clue), then the fix.
const HintLevels = 3

// nudges and remedies are each flaw's first and last hint. The first says
// what the business notices, never where or what; the last says what to
// change, and which of the winners' fixes does it.
var nudges = map[FlawID]string{
	FlawNoCache:            "Players ask the same questions again and again, and every time the answer takes as long as the first.",
	FlawSpareNatGateway:    "Finance asks why the network costs as much as two of everything while the service lives in one place.",
	FlawIdleElasticIP:      "Finance found a line on the bill for something nobody is using.",
	FlawUnattachedVolume:   "Somewhere a disk is being paid for that no machine reads.",
	FlawForgottenInstance:  "Someone once started a machine to look into a problem, and never stopped it.",
	FlawDetailedMonitoring: "The monitoring bill is higher than what anyone looks at would explain.",
	FlawOversizedRoot:      "The machines carry far more disk than a 7 MB program could ever fill.",
	FlawSmallSubnets:       "The CTO warned that the service cannot grow past a couple of dozen machines, and nobody knew why.",
	FlawBootUpgrade:        "New machines take minutes before they answer anything.",
	FlawNoSupervisor:       "When the service crashes on a machine, it stays down on that machine.",
	FlawEC2HealthCheck:     "A machine whose service died keeps its place, and nothing replaces it.",
	FlawTCPHealthCheck:     "The load balancer keeps sending requests to a machine that stopped answering them.",
	FlawNoRollingUpdate:    "A change to the machines' setup reaches none of the machines already running.",
	FlawClassicLB:          "Under a surge, some players get errors before their request reaches any machine.",
	FlawFixedFleet:         "At the peak there are as many machines as at night.",
	FlawUnderusedInstance:  "The machines are big and nearly idle, and requests still wait.",
	FlawSingleAZ:           "One bad data centre would take everything down.",
	FlawPublicLoadBalancer: "A cache in front helps only if nobody can go around it.",
	FlawOpenSecurityGroup:  "The machines answer strangers on ports nobody should reach.",
	FlawIMDSv1:             "A forged request on a machine could read the credentials it runs with.",
	FlawUnencryptedVolumes: "The auditors ask whether the data at rest is encrypted.",
}

var remedies = map[FlawID]string{
	FlawNoCache:            "Put a CloudFront distribution in front whose cache key is the input parameter alone, and send the game there.",
	FlawSpareNatGateway:    "Route both private subnets through one NAT gateway and delete the second.",
	FlawIdleElasticIP:      "Release the Elastic IP that has no association.",
	FlawUnattachedVolume:   "Delete the volume whose state is available.",
	FlawForgottenInstance:  "Terminate the instance that is in no Auto Scaling group.",
	FlawDetailedMonitoring: "Turn detailed monitoring off in the launch template (and on the running instances).",
	FlawOversizedRoot:      "Give the launch template an 8 GiB gp3 root volume, and roll the fleet onto it.",
	FlawSmallSubnets:       "Add wider application subnets (a /24 or more) in free ranges of the VPC, and move the service onto them.",
	FlawBootUpgrade:        "Stop upgrading packages in user data: install the binary and start it, nothing more.",
	FlawNoSupervisor:       "Run the service under systemd with Restart=always instead of nohup.",
	FlawEC2HealthCheck:     "Set the Auto Scaling group's health check type to ELB, with a grace period for the boot.",
	FlawTCPHealthCheck:     "Check HTTP:8080/healthz every 10 s with a threshold of 2, or move to an ALB whose target group does.",
	FlawNoRollingUpdate:    "Give the Auto Scaling group a rolling update policy (or an instance refresh) so new settings reach running instances.",
	FlawClassicLB:          "Put an Application Load Balancer beside the Classic one, move the traffic to it, then delete the Classic one.",
	FlawFixedFleet:         "Scale on RequestCountPerTarget with target tracking, between a minimum and a maximum.",
	FlawUnderusedInstance:  "Run the service on Fargate in small ARM64 tasks behind the ALB, then retire the fleet.",
	FlawSingleAZ:           "Run the service in subnets of two Availability Zones.",
	FlawPublicLoadBalancer: "Make the load balancer internal and reach it from CloudFront through a VPC origin.",
	FlawOpenSecurityGroup:  "Let the instances' security group admit only the load balancer's group on 8080.",
	FlawIMDSv1:             "Require IMDSv2: HttpTokens required in the launch template's metadata options.",
	FlawUnencryptedVolumes: "Encrypt the volumes (the launch template's block device mapping, or EBS encryption by default).",
}

// Hint is the flaw's hint at level 1 to HintLevels: the nudge, the clue,
// then the fix with the winners' step that makes it.
func (f Flaw) Hint(level int) (string, error) {
	switch level {
	case 1:
		return nudges[f.ID], nil
	case 2:
		return f.Clue, nil
	case 3:
		return fmt.Sprintf("%s (the answer key's step: %s)", remedies[f.ID], f.FixedBy), nil
	}
	return "", fmt.Errorf("hint %d of %s: want 1 to %d", level, f.ID, HintLevels)
}
