package accounts

import (
	"context"
	"sync"
	"time"

	"github.com/unicorn-rentals/gameday/game"
)

// Biller reads and prices teams' accounts for the board
// (board.LiveBill): it connects once a role and reuses the clients.
type Biller struct {
	// Region, Profile and Endpoint as in Account, for every team.
	Region, Profile, Endpoint string
	// Prices; default game.DefaultPrices.
	Prices *game.Prices

	mu      sync.Mutex
	clients map[string]*Clients
}

// Bill reads what the account reached through role runs and prices it.
func (b *Biller) Bill(ctx context.Context, role string) (game.Estimate, error) {
	c, err := b.connect(ctx, role)
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

func (b *Biller) connect(ctx context.Context, role string) (*Clients, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if c, ok := b.clients[role]; ok {
		return c, nil
	}
	c, err := Connect(ctx, Account{RoleARN: role, Region: b.Region, Profile: b.Profile, Endpoint: b.Endpoint})
	if err != nil {
		return nil, err
	}
	if b.clients == nil {
		b.clients = map[string]*Clients{}
	}
	b.clients[role] = c
	return c, nil
}
