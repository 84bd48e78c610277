package dev.lockwatch.config;

import java.time.Duration;

/**
 * @param requestsPerSecond per table and per kind (read, insert, update)
 * @param longTransaction   how long a session holds an ordinary open transaction on the busy tables when each
 *                          revision starts; zero for none
 * @param requestTimeout    the longest any one request may wait (statement_timeout of the traffic sessions)
 */
public record TrafficSettings(int requestsPerSecond, Duration stallThreshold, Duration longTransaction,
                              Duration requestTimeout) {
}
