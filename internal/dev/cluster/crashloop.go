package cluster

// CrashLoopLabel on a pod makes its simulated containers crash and restart
// in a loop, as a container whose program keeps exiting does: every
// CrashLoopIntervalAnnotation (default 20 s) each container's restart count
// goes up by one, its last state is a terminated run with exit code 1, and
// it waits in CrashLoopBackOff; the pod stays Running but not Ready. This is
// what the built-in crash-loop alert watches (the restart counter that the
// platform's object-state exporter publishes), so a developer can see an
// alert fire in the local cluster.
const (
	CrashLoopLabel              = "sim.superkube.io/crash-loop"
	CrashLoopIntervalAnnotation = "sim.superkube.io/crash-loop-interval"
)

// crashLoopStage is the KWOK stage behind CrashLoopLabel. It matches a
// Running pod whose containers have statuses (KWOK's pod-ready stage wrote
// them), and writes the statuses again with each restart count plus one; the
// pod still matches afterwards, so KWOK applies the stage again after the
// delay, for as long as the pod lives. Container IDs are kept: the
// simulated containers' log files are named after them.
const crashLoopStage = `---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-crash-loop
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.labels["` + CrashLoopLabel + `"]'
      operator: 'In'
      values:
      - 'true'
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.status.phase'
      operator: 'In'
      values:
      - 'Running'
    - key: '.status.containerStatuses'
      operator: 'Exists'
  delay:
    durationMilliseconds: 20000
    durationFrom:
      expressionFrom: '.metadata.annotations["` + CrashLoopIntervalAnnotation + `"]'
  next:
    statusTemplate: |
      {{ $now := Now }}
      conditions:
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: Initialized
      - lastTransitionTime: {{ $now | Quote }}
        status: "False"
        reason: ContainersNotReady
        type: Ready
      - lastTransitionTime: {{ $now | Quote }}
        status: "False"
        reason: ContainersNotReady
        type: ContainersReady
      containerStatuses:
      {{ range .status.containerStatuses }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        containerID: {{ or .containerID "" | Quote }}
        ready: false
        started: false
        restartCount: {{ add (or .restartCount 0) 1 }}
        lastState:
          terminated:
            exitCode: 1
            reason: Error
            startedAt: {{ $now | Quote }}
            finishedAt: {{ $now | Quote }}
        state:
          waiting:
            reason: CrashLoopBackOff
            message: back-off restarting failed container (simulated by ke-dev)
      {{ end }}
`
