/**
 * The archiver's entry point and composition root: {@link io.vmwatch.archiver.Main} parses the
 * command line ({@link io.vmwatch.archiver.Flags} into an {@link
 * io.vmwatch.archiver.ArchiverConfig}) and {@link io.vmwatch.archiver.Archiver} builds and wires
 * the parts of the other packages: {@code http} (endpoints), {@code codec} (wire formats), {@code
 * storage} (MySQL/MariaDB), {@code maintenance} (background jobs) and {@code metrics}.
 */
package io.vmwatch.archiver;
