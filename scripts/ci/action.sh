#!/usr/bin/env bash
# action.sh: the shell steps of lockwatch's GitHub Action (action.yml) and of its comment action
# (.github/actions/comment/action.yml), here so they can be tested outside GitHub.
#
#   action.sh install    pip-install lockwatch into $LOCKWATCH_PYTHON: $LOCKWATCH_WHEEL (a path or URL), else a
#                        wheel in the action's dist/, else one scripts/package builds (Maven and a JDK, as on
#                        GitHub's runners)
#   action.sh verify     lockwatch verify --git-base on the pull request's new revisions; findings go on the diff
#                        (workflow commands), SARIF, markdown and JSON into $LOCKWATCH_OUT, the text report into
#                        the log, the markdown into the job summary; outputs status, sarif, comment
#   action.sh comment    post or update the pull request's one lockwatch comment from $LOCKWATCH_OUT/comment.md;
#                        skipped, with a notice, for a fork's pull request (its token cannot comment): the
#                        workflow_run workflow posts it from the uploaded report instead
#
# Environment: GITHUB_* as GitHub sets them; LOCKWATCH_PYTHON (default python3), LOCKWATCH_CONFIG (alembic.ini),
# LOCKWATCH_BASE (origin/$GITHUB_BASE_REF), LOCKWATCH_ARGS (more verify arguments, shell words),
# LOCKWATCH_OUT (lockwatch-report), GH_TOKEN for comment; LOCKWATCH_PR names the pull request where no
# pull_request event says it (workflow_run). Exit status: verify passes lockwatch's on (0 clean, 1 findings,
# 2 usage, 3 environment) after writing its outputs; the others fail only on their own errors.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
action_root="$(cd "$here/../.." && pwd)"
python="${LOCKWATCH_PYTHON:-python3}"
out="${LOCKWATCH_OUT:-lockwatch-report}"
marker='<!-- lockwatch-report -->'
log() { printf 'lockwatch-action: %s\n' "$*" >&2; }

# A value of the event's JSON, e.g. pull_request.number; empty when it is absent.
event() {
  [ -n "${GITHUB_EVENT_PATH:-}" ] && [ -f "$GITHUB_EVENT_PATH" ] || return 0
  jq -r ".$1 // empty" "$GITHUB_EVENT_PATH"
}

install() {
  local wheel="${LOCKWATCH_WHEEL:-}"
  if [ -z "$wheel" ]; then
    wheel="$(ls -t "$action_root"/dist/lockwatch-*-py3-none-any.whl 2>/dev/null | head -n 1 || true)"
  fi
  if [ -z "$wheel" ]; then
    log "no wheel given: building one with scripts/package"
    wheel="$("$action_root/scripts/package" | grep '\.whl$')"
  fi
  # --no-deps: the wheel has none, and the project's own environment stays as its job installed it
  "$python" -m pip install --quiet --disable-pip-version-check --no-deps --force-reinstall "$wheel"
  "$python" -m lockwatch --version
}

verify() {
  local base="${LOCKWATCH_BASE:-}"
  if [ -z "$base" ]; then
    [ -n "${GITHUB_BASE_REF:-}" ] || { log "no base branch: run on pull_request, or set base-ref"; exit 2; }
    base="origin/$GITHUB_BASE_REF"
    # actions/checkout fetches one commit: --git-base needs the base branch and the merge-base
    if ! git rev-parse --verify --quiet "$base^{commit}" >/dev/null; then
      git fetch --quiet --no-tags origin "+refs/heads/$GITHUB_BASE_REF:refs/remotes/$base"
    fi
    if [ "$(git rev-parse --is-shallow-repository)" = true ]; then
      git fetch --quiet --no-tags --unshallow origin
    fi
  fi
  mkdir -p "$out"
  local -a extra=()
  # shell words, split by Python's shlex rather than eval: an input is never run as code
  [ -z "${LOCKWATCH_ARGS:-}" ] || mapfile -t extra < <("$python" -c \
    'import shlex, sys; print("\n".join(shlex.split(sys.argv[1])))' "$LOCKWATCH_ARGS")
  local status=0
  "$python" -m lockwatch verify -c "${LOCKWATCH_CONFIG:-alembic.ini}" --git-base "$base" \
    --report github=- --report "text=$out/lockwatch.txt" --report "sarif=$out/lockwatch.sarif" \
    --report "markdown=$out/comment.md" --report "json=$out/lockwatch.json" "${extra[@]}" || status=$?
  [ ! -f "$out/lockwatch.txt" ] || cat "$out/lockwatch.txt"
  [ -z "${GITHUB_STEP_SUMMARY:-}" ] || [ ! -f "$out/comment.md" ] || cat "$out/comment.md" >> "$GITHUB_STEP_SUMMARY"
  # the workflow_run workflow reads which pull request the report belongs to from the uploaded report
  local pr
  pr="$(event pull_request.number)"
  [ -z "$pr" ] || echo "$pr" > "$out/pr-number"
  {
    echo "status=$status"
    [ ! -f "$out/lockwatch.sarif" ] || echo "sarif=$out/lockwatch.sarif"
    [ ! -f "$out/comment.md" ] || echo "comment=$out/comment.md"
  } >> "${GITHUB_OUTPUT:-/dev/null}"
  return "$status"
}

comment() {
  local body="$out/comment.md" pr="${LOCKWATCH_PR:-}"
  [ -f "$body" ] || { log "no $body: nothing to post"; return 0; }
  [ -n "$pr" ] || pr="$(event pull_request.number)"
  [ -n "$pr" ] || [ ! -f "$out/pr-number" ] || pr="$(tr -dc 0-9 < "$out/pr-number")"
  [ -n "$pr" ] || { log "no pull request number: not commenting"; return 0; }
  local head base
  head="$(event pull_request.head.repo.full_name)"
  base="$(event pull_request.base.repo.full_name)"
  if [ -n "$head" ] && [ "$head" != "$base" ]; then
    echo "::notice title=lockwatch::pull request from the fork $head: the lockwatch-comment workflow (workflow_run) posts the comment"
    return 0
  fi
  local repo="${GITHUB_REPOSITORY:?GITHUB_REPOSITORY is not set}" id
  # a fork's report names its pull request itself: comment only where that pull request's head is the commit
  # the workflow run checked, so a report cannot post on another pull request
  local run_sha
  run_sha="$(event workflow_run.head_sha)"
  if [ -n "$run_sha" ] && [ "$(gh api "repos/$repo/pulls/$pr" --jq .head.sha)" != "$run_sha" ]; then
    log "pull request #$pr's head is not $run_sha, the commit the report is about: not commenting"
    return 1
  fi
  id="$(gh api "repos/$repo/issues/$pr/comments" --paginate \
        --jq ".[] | select(.body | startswith(\"$marker\")) | .id" | head -n 1)"
  if [ -n "$id" ]; then
    gh api --method PATCH "repos/$repo/issues/comments/$id" -F "body=@$body" > /dev/null
    log "updated comment $id on #$pr"
  else
    gh api --method POST "repos/$repo/issues/$pr/comments" -F "body=@$body" > /dev/null
    log "commented on #$pr"
  fi
}

case "${1:-}" in
  install|verify|comment) "$1" ;;
  *) sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
