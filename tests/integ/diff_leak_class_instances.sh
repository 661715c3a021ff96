# leak_class_instances: the first suspect of its diff must name package.loaded.mob.instances[*].
sample=leak_class_instances expect='package.loaded.mob.instances[*]'
. "$SRC/tests/diff_sample.sh"
