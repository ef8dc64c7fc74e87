# Sourced by ci.sh and ci_exercises.sh: execute_notebook NB OUTDIR LOG runs NB with nbconvert (every
# cell, errors kept in the output for the checks after it) into OUTDIR, its output in LOG. A tslab
# kernel sometimes never answers Jupyter's first request: its zeromq socket is still binding when the
# request comes ("Socket is blocked by a bind or unbind operation", EBUSY, in the log), and nbclient
# gives up after 60 s with "Kernel didn't respond". Only then, the notebook runs once more with a new
# kernel, saying so (the first log kept as LOG.first); any other failure, or a second one, fails.
execute_notebook() {
  local nb=$1 outdir=$2 log=$3
  run() {
    jupyter nbconvert --to notebook --execute --allow-errors --ExecutePreprocessor.timeout=900 \
      --output-dir "$outdir" "$nb" >"$log" 2>&1
  }
  run && return 0
  if grep -q "Kernel didn't respond" "$log" && grep -q "Socket is blocked by a bind or unbind operation" "$log"; then
    mv "$log" "$log.first"
    echo "     $nb: its tslab kernel did not answer at start (zeromq bind race, $log.first); running it once more"
    run && return 0
  fi
  return 1
}
