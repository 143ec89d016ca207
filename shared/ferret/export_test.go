package ferret

// CheckpointEvery is checkpointEvery, for the tests.
const CheckpointEvery = checkpointEvery
