package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultRedisPrefix starts every key ke-console writes to Redis.
const DefaultRedisPrefix = "ke-console:"

// Redis is a Store in Redis, shared by several replicas of ke-console. Keys
// are the prefix and the Store key (for example
// ke-console:session:<hash of the ID>); values are JSON with the time to live
// as the key's expiry.
type Redis struct {
	client redis.UniversalClient
	prefix string
}

var _ Store = (*Redis)(nil)

// NewRedis returns a store on client under prefix.
func NewRedis(client redis.UniversalClient, prefix string) *Redis {
	return &Redis{client: client, prefix: prefix}
}

// NewRedisFromURL connects to redis://[:password@]host:port/db (or rediss://)
// and checks that the server answers.
func NewRedisFromURL(ctx context.Context, rawURL, prefix string) (*Redis, error) {
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, errors.New("the Redis URL is invalid") // the URL may hold a password
	}
	r := NewRedis(redis.NewClient(opts), prefix)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := r.Ping(pctx); err != nil {
		_ = r.Close()
		return nil, fmt.Errorf("connecting to Redis at %s: %w", opts.Addr, err)
	}
	return r, nil
}

// Get implements Store.
func (r *Redis) Get(ctx context.Context, key string, v any) error {
	data, err := r.client.Get(ctx, r.prefix+key).Bytes()
	if errors.Is(err, redis.Nil) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("reading a session key from Redis: %w", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decoding the value of a session key: %w", err)
	}
	return nil
}

// Put implements Store.
func (r *Redis) Put(ctx context.Context, key string, v any, ttl time.Duration) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if ttl < time.Millisecond {
		return r.Delete(ctx, key)
	}
	if err := r.client.Set(ctx, r.prefix+key, data, ttl).Err(); err != nil {
		return fmt.Errorf("writing a session key to Redis: %w", err)
	}
	return nil
}

// Touch implements Store.
func (r *Redis) Touch(ctx context.Context, key string, ttl time.Duration) error {
	if ttl < time.Millisecond {
		return r.Delete(ctx, key)
	}
	if err := r.client.PExpire(ctx, r.prefix+key, ttl).Err(); err != nil {
		return fmt.Errorf("renewing a session key in Redis: %w", err)
	}
	return nil
}

// Delete implements Store.
func (r *Redis) Delete(ctx context.Context, key string) error {
	if err := r.client.Del(ctx, r.prefix+key).Err(); err != nil {
		return fmt.Errorf("deleting a session key from Redis: %w", err)
	}
	return nil
}

// Ping implements Store.
func (r *Redis) Ping(ctx context.Context) error { return r.client.Ping(ctx).Err() }

// Close implements Store.
func (r *Redis) Close() error { return r.client.Close() }
