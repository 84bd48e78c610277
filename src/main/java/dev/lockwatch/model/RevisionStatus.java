package dev.lockwatch.model;

import com.fasterxml.jackson.annotation.JsonValue;

public enum RevisionStatus {
    APPLIED("applied"), FAILED("failed"), NOT_RUN("not-run");

    private final String label;

    RevisionStatus(String label) {
        this.label = label;
    }

    @JsonValue
    public String label() {
        return label;
    }
}
