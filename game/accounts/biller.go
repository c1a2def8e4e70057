package accounts

import (
	"context"
	"sync"
	"time"

	"github.com/unicorn-rentals/gameday/game"
	"github.com/unicorn-rentals/gameday/teamsfile"
)

// Pool connects to teams' accounts once a role and keeps the clients: the
// board reaches every team the same way, for the bill and the monkey.
type Pool struct {
	// Region, Profile and Endpoint as in Account, for every team.
	Region, Profile, Endpoint string

	mu      sync.Mutex
	clients map[string]*Clients
	connect func(access string) (*Clients, error) // nil: assume the role (tests record the accesses)
}

// Connect returns the clients of the account reached through role: a
// role ARN and, after a #, the ExternalId its trust requires
// (teamsfile.Cost.Access).
func (p *Pool) Connect(ctx context.Context, role string) (*Clients, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.clients[role]; ok {
		return c, nil
	}
	arn, externalID := teamsfile.SplitAccess(role)
	connect := p.connect
	if connect == nil {
		connect = func(string) (*Clients, error) {
			return Connect(ctx, Account{RoleARN: arn, ExternalID: externalID, Region: p.Region, Profile: p.Profile, Endpoint: p.Endpoint})
		}
	}
	c, err := connect(role)
	if err != nil {
		return nil, err
	}
	if p.clients == nil {
		p.clients = map[string]*Clients{}
	}
	p.clients[role] = c
	return c, nil
}

// Biller reads and prices teams' accounts for the board
// (board.LiveBill).
type Biller struct {
	*Pool
	// Prices; default game.DefaultPrices.
	Prices *game.Prices
}

// Bill reads what the account reached through role runs and prices it.
func (b *Biller) Bill(ctx context.Context, role string) (game.Estimate, error) {
	c, err := b.Connect(ctx, role)
	if err != nil {
		return game.Estimate{}, err
	}
	inv, err := c.Inventory(ctx, time.Now())
	if err != nil {
		return game.Estimate{}, err
	}
	prices := game.DefaultPrices()
	if b.Prices != nil {
		prices = *b.Prices
	}
	return Price(inv, prices), nil
}

// Quests checks every flaw of the catalog in the account reached through
// role, with its game stack named stack (board.QuestChecks).
func (b *Biller) Quests(ctx context.Context, role, stack string) ([]game.Quest, error) {
	c, err := b.Connect(ctx, role)
	if err != nil {
		return nil, err
	}
	return c.Quests(ctx, stack)
}

// History reads the writes made in the account reached through role
// between from and to, the game stack named stack's chaos marked
// (board.LiveHistory).
func (b *Biller) History(ctx context.Context, role, stack string, from, to time.Time) ([]game.Change, error) {
	c, err := b.Connect(ctx, role)
	if err != nil {
		return nil, err
	}
	return c.History(ctx, stack, from, to)
}
