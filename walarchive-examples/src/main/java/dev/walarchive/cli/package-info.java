/**
 * The reference command line tool, {@code walarchive}: what PostgreSQL's {@code archive_command}
 * and {@code restore_command} call, and the commands an operator runs (README, "CLI reference").
 *
 * <p>Not an API: the commands are built on the library ({@link dev.walarchive.core.WalArchive} and
 * the types it returns), and the types here may change in any release; only the two entry points
 * are public: {@link dev.walarchive.cli.Bootstrap}, which the launcher script starts, and {@link
 * dev.walarchive.cli.Main}, the picocli command. Embedders use walarchive-core and the backend
 * modules instead.
 */
package dev.walarchive.cli;
