package tokenstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultRedisPingTimeout bounds the connection check of NewRedisFromURL.
const DefaultRedisPingTimeout = 5 * time.Second

// Redis is a Store in Redis, shared by several replicas of ke-apiserver. It
// is safe for concurrent use. It needs Redis 7.0 or later.
//
// Keys, under the store's prefix:
//
//	<prefix>token:<id>  the JSON record of one token, expiring with the token
//	<prefix>user:<user> a sorted set of the user's token IDs scored by their
//	                    expiry in Unix milliseconds; its TTL is kept at least
//	                    as long as its latest token's
//
// The token string itself is never stored. An ID of the user's set whose
// token key is gone is skipped; expired IDs are removed from the set when a
// token is added for the user, revoked ones when they are revoked.
//
// The server must not evict keys (maxmemory-policy noeviction, the default):
// a token whose user's set was evicted could no longer be revoked with its
// user.
//
// Add, RevokeSession and RevokeUser write token keys and their user's set in
// one MULTI/EXEC transaction. With Redis Cluster, all those keys must hash to
// the same slot: put a hash tag in the prefix, such as "{ke-tokens}:".
type Redis struct {
	client redis.UniversalClient
	prefix string
	// owned tells whether Close closes the client.
	owned bool
}

var _ Store = (*Redis)(nil)

// redisRecord is the JSON form of a Record in Redis. Its field names are part
// of the stored format shared by replicas of different versions.
type redisRecord struct {
	ID        string    `json:"id"`
	User      string    `json:"user"`
	Type      string    `json:"type,omitempty"`
	ClientID  string    `json:"clientID,omitempty"`
	SessionID string    `json:"sessionID,omitempty"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// NewRedis returns a store that keeps its keys under prefix in client. The
// caller keeps ownership of the client: Close does not close it.
func NewRedis(client redis.UniversalClient, prefix string) *Redis {
	return &Redis{client: client, prefix: prefix}
}

// NewRedisFromURL connects to the Redis server at a URL of the form
// redis://[[user]:password@]host:port/db (or rediss:// for TLS), checks that
// it answers within DefaultRedisPingTimeout, and returns a store that keeps
// its keys under prefix. Errors name the server's address, never its
// password. Close the store to close the connection.
func NewRedisFromURL(redisURL, prefix string) (*Redis, error) {
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		// url.Error repeats the whole URL, password included: keep only its cause.
		if urlErr, ok := errors.AsType[*url.Error](err); ok {
			err = urlErr.Err
		}
		return nil, fmt.Errorf("parsing the Redis URL: %w", err)
	}
	client := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), DefaultRedisPingTimeout)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		_ = client.Close()
		return nil, fmt.Errorf("connecting to Redis at %s (database %d): %w", opts.Addr, opts.DB, err)
	}
	return &Redis{client: client, prefix: prefix, owned: true}, nil
}

// Close closes the client if the store created it (NewRedisFromURL).
func (s *Redis) Close() error {
	if !s.owned {
		return nil
	}
	if err := s.client.Close(); err != nil {
		return fmt.Errorf("closing the Redis client: %w", err)
	}
	return nil
}

func (s *Redis) tokenKey(id string) string { return s.prefix + "token:" + id }

func (s *Redis) userKey(user string) string { return s.prefix + "user:" + user }

// Add records a token until its expiry. A record that has already expired is
// not kept.
func (s *Redis) Add(ctx context.Context, r Record) error {
	if err := validate(r); err != nil {
		return err
	}
	now := time.Now()
	ttl := r.ExpiresAt.Sub(now)
	if ttl < time.Millisecond {
		return nil
	}
	data, err := json.Marshal(redisRecord(r))
	if err != nil {
		return fmt.Errorf("encoding token %q of user %q: %w", r.ID, r.User, err)
	}
	// The user's set outlives its tokens: whole seconds, rounded up.
	userTTL := time.Duration(math.Ceil(ttl.Seconds())) * time.Second
	userKey := s.userKey(r.User)
	_, err = s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZRemRangeByScore(ctx, userKey, "-inf", strconv.FormatInt(now.UnixMilli(), 10))
		p.ZAdd(ctx, userKey, redis.Z{Score: float64(r.ExpiresAt.UnixMilli()), Member: r.ID})
		// NX sets the TTL of a new set, GT extends the TTL of an existing one.
		p.ExpireNX(ctx, userKey, userTTL)
		p.ExpireGT(ctx, userKey, userTTL)
		p.Set(ctx, s.tokenKey(r.ID), data, ttl)
		return nil
	})
	if err != nil {
		return fmt.Errorf("adding token %q of user %q to Redis: %w", r.ID, r.User, err)
	}
	return nil
}

// Get returns the record of a valid token.
func (s *Redis) Get(ctx context.Context, id string) (Record, bool, error) {
	data, err := s.client.Get(ctx, s.tokenKey(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return Record{}, false, nil
	}
	if err != nil {
		return Record{}, false, fmt.Errorf("getting token %q from Redis: %w", id, err)
	}
	r, err := decodeRecord(data)
	if err != nil {
		return Record{}, false, fmt.Errorf("token %q: %w", id, err)
	}
	if !valid(r, time.Now()) {
		return Record{}, false, nil
	}
	return r, true, nil
}

// Revoke removes one token; revoking an unknown token is not an error.
func (s *Redis) Revoke(ctx context.Context, id string) error {
	data, err := s.client.GetDel(ctx, s.tokenKey(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("revoking token %q in Redis: %w", id, err)
	}
	r, err := decodeRecord(data)
	if err != nil {
		// The token is revoked; only its index entry stays until its user's
		// set expires.
		return fmt.Errorf("token %q: %w", id, err)
	}
	if err := s.client.ZRem(ctx, s.userKey(r.User), id).Err(); err != nil {
		return fmt.Errorf("removing token %q from the index of user %q in Redis: %w", id, r.User, err)
	}
	return nil
}

// RevokeSession removes every token of one login of the user.
func (s *Redis) RevokeSession(ctx context.Context, user, sessionID string) error {
	ids, records, err := s.userRecords(ctx, user)
	if err != nil {
		return err
	}
	var drop []string
	for i, r := range records {
		if r != nil && r.SessionID == sessionID {
			drop = append(drop, ids[i])
		}
	}
	if _, err := s.remove(ctx, user, drop); err != nil {
		return fmt.Errorf("revoking session %q of user %q: %w", sessionID, user, err)
	}
	return nil
}

// RevokeUser removes every token of the user and returns how many were still
// stored.
func (s *Redis) RevokeUser(ctx context.Context, user string) (int, error) {
	ids, records, err := s.userRecords(ctx, user)
	if err != nil {
		return 0, err
	}
	var drop []string
	for i, r := range records {
		if r != nil {
			drop = append(drop, ids[i])
		}
	}
	n, err := s.remove(ctx, user, drop)
	if err != nil {
		return 0, fmt.Errorf("revoking the tokens of user %q: %w", user, err)
	}
	return n, nil
}

// Sessions returns the sorted, distinct, non-empty session IDs of the user's
// valid tokens.
func (s *Redis) Sessions(ctx context.Context, user string) ([]string, error) {
	_, records, err := s.userRecords(ctx, user)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	sessions := make([]string, 0, len(records))
	for _, r := range records {
		if r != nil && valid(*r, now) && r.SessionID != "" {
			sessions = append(sessions, r.SessionID)
		}
	}
	slices.Sort(sessions)
	return slices.Compact(sessions), nil
}

// userRecords returns the IDs in the user's set and, at the same index, their
// records, or nil for a stale ID whose token key is gone (or, should an ID
// ever be reused, holds another user's token).
func (s *Redis) userRecords(ctx context.Context, user string) ([]string, []*Record, error) {
	ids, err := s.client.ZRange(ctx, s.userKey(user), 0, -1).Result()
	if err != nil {
		return nil, nil, fmt.Errorf("listing the tokens of user %q in Redis: %w", user, err)
	}
	if len(ids) == 0 {
		return nil, nil, nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = s.tokenKey(id)
	}
	values, err := s.client.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, nil, fmt.Errorf("getting the tokens of user %q from Redis: %w", user, err)
	}
	records := make([]*Record, len(ids))
	for i, v := range values {
		data, ok := v.(string)
		if !ok {
			continue
		}
		r, err := decodeRecord([]byte(data))
		if err != nil {
			return nil, nil, fmt.Errorf("token %q of user %q: %w", ids[i], user, err)
		}
		if r.User == user {
			records[i] = &r
		}
	}
	return ids, records, nil
}

// remove deletes tokens of a user and their index entries in one
// transaction, and returns how many token keys existed.
func (s *Redis) remove(ctx context.Context, user string, ids []string) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	keys := make([]string, len(ids))
	members := make([]any, len(ids))
	for i, id := range ids {
		keys[i] = s.tokenKey(id)
		members[i] = id
	}
	var deleted *redis.IntCmd
	_, err := s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		deleted = p.Del(ctx, keys...)
		p.ZRem(ctx, s.userKey(user), members...)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("deleting %d tokens in Redis: %w", len(ids), err)
	}
	return int(deleted.Val()), nil
}

func decodeRecord(data []byte) (Record, error) {
	var r redisRecord
	if err := json.Unmarshal(data, &r); err != nil {
		return Record{}, fmt.Errorf("decoding the record stored in Redis: %w", err)
	}
	return Record(r), nil
}
