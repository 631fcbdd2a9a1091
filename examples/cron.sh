#!/usr/bin/env bash
# Nightly crmctl job: a dated monthly report, then a target check that mails the misses.
#   0 6 * * *  CRMCTL_CONFIG=/srv/crm/crmctl.yaml /srv/crm/examples/cron.sh
# Exit codes (README): 0 ok, 1 a target was missed, 3 config error, 4 data error, 5 output error.
set -u
out_dir=${CRMCTL_REPORTS:-reports}
mail_to=${CRMCTL_MAIL_TO:-}
mkdir -p "$out_dir"

notify() {  # subject, body on stdin; without a mail address the body goes to stderr (cron mails it)
  if [ -n "$mail_to" ] && command -v mail >/dev/null; then mail -s "$1" "$mail_to"; else cat >&2; fi
}

report="$out_dir/crm-$(date +%Y-%m-%d).csv"
if ! errors=$(crmctl report --last 13m --compare year --format csv --output "$report" 2>&1); then
  echo "$errors" | notify "crmctl report failed"
  exit 1
fi

misses=$(crmctl check 2>&1)
status=$?
if [ "$status" -eq 1 ]; then
  echo "$misses" | notify "crmctl: targets missed"
elif [ "$status" -ne 0 ]; then
  echo "$misses" | notify "crmctl check failed (exit $status)"
fi
exit "$status"
