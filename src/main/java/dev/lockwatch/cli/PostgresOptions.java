package dev.lockwatch.cli;

import dev.lockwatch.config.PostgresChoice;
import picocli.CommandLine.Option;

/** Which PostgreSQL lockwatch runs the revisions on. */
final class PostgresOptions {
    @Option(names = "--postgres", paramLabel = "KIND", defaultValue = "auto", converter = Kind.class,
            description = "auto, embedded or container; auto uses a container when a Docker engine is reachable "
                    + "and the image is present, else embedded (default: ${DEFAULT-VALUE})")
    PostgresChoice postgres;

    @Option(names = "--pg-version", paramLabel = "MAJOR", defaultValue = "16",
            description = "PostgreSQL major version, 10 to 18: embedded binaries from Maven Central (downloaded once "
                    + "into ~/.cache/lockwatch), or the postgres:MAJOR image (default: ${DEFAULT-VALUE})")
    String pgVersion;

    @Option(names = "--image", paramLabel = "IMAGE",
            description = "container image, any compatible with the official postgres image (default: postgres:MAJOR "
                    + "of --pg-version)")
    String image;

    @Option(names = "--server-url", paramLabel = "URL",
            description = "use this existing server instead of starting one: lockwatch creates a scratch database "
                    + "lockwatch_<random> there, runs everything in it and drops it; the password may come from PGPASSWORD")
    String serverUrl;

    String image() {
        return image != null ? image : "postgres:" + pgVersion;
    }

    static final class Kind extends EnumConverter<PostgresChoice> {
        Kind() {
            super(PostgresChoice.class, "--postgres");
        }
    }
}
