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
//	<prefix>token:<id>      the JSON record of one token, expiring with the token
//	<prefix>user:<user>     a sorted set of the user's token IDs scored by their
//	                        expiry in Unix milliseconds; its TTL is kept at least
//	                        as long as its latest token's
//	<prefix>revoked:<id>    a marker of a revoked (or taken) token, expiring
//	                        when the token would have
//	<prefix>attempts:<user> a sorted set of the user's login attempts that
//	                        count as failures, scored by their time in Unix
//	                        milliseconds (Redis's clock), expiring with the
//	                        lockout window
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

var (
	_ Store         = (*Redis)(nil)
	_ LoginAttempts = (*Redis)(nil)
)

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

func (s *Redis) revokedKey(id string) string { return s.prefix + "revoked:" + id }

func (s *Redis) attemptsKey(user string) string { return s.prefix + "attempts:" + user }

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

// takeScript deletes a token key and leaves its revocation marker with
// the token's remaining lifetime, atomically; it returns the record, or
// nil when there was none. KEYS: the token key, the marker key.
var takeScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if not v then return false end
local ttl = redis.call('PTTL', KEYS[1])
redis.call('DEL', KEYS[1])
if ttl > 0 then redis.call('SET', KEYS[2], '1', 'PX', ttl) end
return v
`)

// Take removes a valid token and returns its record; of concurrent calls,
// even from several replicas, one at most finds it.
func (s *Redis) Take(ctx context.Context, id string) (Record, bool, error) {
	r, ok, err := s.take(ctx, id)
	if err != nil || !ok {
		return Record{}, false, err
	}
	if !valid(r, time.Now()) {
		return Record{}, false, nil
	}
	return r, true, nil
}

// Revoked tells whether the token was revoked before its expiry, which has
// not passed yet.
func (s *Redis) Revoked(ctx context.Context, id string) (bool, error) {
	n, err := s.client.Exists(ctx, s.revokedKey(id)).Result()
	if err != nil {
		return false, fmt.Errorf("looking up the revocation of token %q in Redis: %w", id, err)
	}
	return n > 0, nil
}

// Revoke removes one token; revoking an unknown token is not an error.
func (s *Redis) Revoke(ctx context.Context, id string) error {
	_, _, err := s.take(ctx, id)
	return err
}

// take runs takeScript and removes the token from its user's set.
func (s *Redis) take(ctx context.Context, id string) (Record, bool, error) {
	data, err := takeScript.Run(ctx, s.client, []string{s.tokenKey(id), s.revokedKey(id)}).Text()
	if errors.Is(err, redis.Nil) {
		return Record{}, false, nil
	}
	if err != nil {
		return Record{}, false, fmt.Errorf("revoking token %q in Redis: %w", id, err)
	}
	r, err := decodeRecord([]byte(data))
	if err != nil {
		// The token is revoked; only its index entry stays until its user's
		// set expires.
		return Record{}, false, fmt.Errorf("token %q: %w", id, err)
	}
	if err := s.client.ZRem(ctx, s.userKey(r.User), id).Err(); err != nil {
		return Record{}, false, fmt.Errorf("removing token %q from the index of user %q in Redis: %w", id, r.User, err)
	}
	return r, true, nil
}

// RevokeSession removes every token of one login of the user.
func (s *Redis) RevokeSession(ctx context.Context, user, sessionID string) error {
	records, err := s.userRecords(ctx, user)
	if err != nil {
		return err
	}
	var drop []Record
	for _, r := range records {
		if r.SessionID == sessionID {
			drop = append(drop, r)
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
	records, err := s.userRecords(ctx, user)
	if err != nil {
		return 0, err
	}
	n, err := s.remove(ctx, user, records)
	if err != nil {
		return 0, fmt.Errorf("revoking the tokens of user %q: %w", user, err)
	}
	return n, nil
}

// Sessions returns the sorted, distinct, non-empty session IDs of the user's
// valid tokens.
func (s *Redis) Sessions(ctx context.Context, user string) ([]string, error) {
	records, err := s.userRecords(ctx, user)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	sessions := make([]string, 0, len(records))
	for _, r := range records {
		if valid(r, now) && r.SessionID != "" {
			sessions = append(sessions, r.SessionID)
		}
	}
	slices.Sort(sessions)
	return slices.Compact(sessions), nil
}

// userRecords returns the records of the IDs in the user's set, skipping
// stale IDs whose token key is gone (or, should an ID ever be reused,
// holds another user's token).
func (s *Redis) userRecords(ctx context.Context, user string) ([]Record, error) {
	ids, err := s.client.ZRange(ctx, s.userKey(user), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("listing the tokens of user %q in Redis: %w", user, err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = s.tokenKey(id)
	}
	values, err := s.client.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, fmt.Errorf("getting the tokens of user %q from Redis: %w", user, err)
	}
	records := make([]Record, 0, len(ids))
	for i, v := range values {
		data, ok := v.(string)
		if !ok {
			continue
		}
		r, err := decodeRecord([]byte(data))
		if err != nil {
			return nil, fmt.Errorf("token %q of user %q: %w", ids[i], user, err)
		}
		if r.User == user {
			records = append(records, r)
		}
	}
	return records, nil
}

// remove deletes tokens of a user and their index entries, and leaves
// their revocation markers, in one transaction; it returns how many token
// keys existed.
func (s *Redis) remove(ctx context.Context, user string, records []Record) (int, error) {
	if len(records) == 0 {
		return 0, nil
	}
	now := time.Now()
	keys := make([]string, len(records))
	members := make([]any, len(records))
	for i, r := range records {
		keys[i] = s.tokenKey(r.ID)
		members[i] = r.ID
	}
	var deleted *redis.IntCmd
	_, err := s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		deleted = p.Del(ctx, keys...)
		p.ZRem(ctx, s.userKey(user), members...)
		for _, r := range records {
			if ttl := r.ExpiresAt.Sub(now); ttl >= time.Millisecond {
				p.Set(ctx, s.revokedKey(r.ID), "1", ttl)
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("deleting %d tokens in Redis: %w", len(records), err)
	}
	return int(deleted.Val()), nil
}

// beginLoginScript records a login attempt and tells whether fewer than
// the maximum attempts came before it within the window, by Redis's
// clock. KEYS: the user's attempts. ARGV: the window and the unlock time in
// Unix milliseconds (0 for none), the maximum, the attempt's ID, how many
// attempts to keep at most.
var beginLoginScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local from = now - window
local since = tonumber(ARGV[2])
if since > from then from = since end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. string.format('%d', from))
local n = redis.call('ZCARD', KEYS[1])
redis.call('ZADD', KEYS[1], string.format('%d', now), ARGV[4])
local keep = tonumber(ARGV[5])
if n + 1 > keep then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, n - keep) end
redis.call('PEXPIRE', KEYS[1], window)
if n < tonumber(ARGV[3]) then return 1 end
return 0
`)

// BeginLogin records a login attempt and tells whether it may go on. The
// count is shared by every replica using the server.
func (s *Redis) BeginLogin(ctx context.Context, user, attemptID string, l Lockout) (bool, error) {
	var since int64
	if !l.Since.IsZero() {
		since = l.Since.UnixMilli()
	}
	window := max(l.Window.Milliseconds(), 1)
	allowed, err := beginLoginScript.Run(ctx, s.client, []string{s.attemptsKey(user)},
		window, since, l.MaxFailures, attemptID, maxAttemptsKept).Int()
	if err != nil {
		return false, fmt.Errorf("counting a login attempt of user %q in Redis: %w", user, err)
	}
	return allowed == 1, nil
}

// LoginSucceeded takes a successful attempt back.
func (s *Redis) LoginSucceeded(ctx context.Context, user, attemptID string) error {
	if err := s.client.ZRem(ctx, s.attemptsKey(user), attemptID).Err(); err != nil {
		return fmt.Errorf("taking back a login attempt of user %q in Redis: %w", user, err)
	}
	return nil
}

func decodeRecord(data []byte) (Record, error) {
	var r redisRecord
	if err := json.Unmarshal(data, &r); err != nil {
		return Record{}, fmt.Errorf("decoding the record stored in Redis: %w", err)
	}
	return Record(r), nil
}
