/**
 * The HTTP side: the JDK server with its bounds against slow clients ({@link
 * io.vmwatch.archiver.http.HttpServers}), the worker limit ({@link
 * io.vmwatch.archiver.http.BoundedWork}), the per-request heap budget ({@link
 * io.vmwatch.archiver.http.RequestBudget}), credentials ({@link
 * io.vmwatch.archiver.http.WriteAuth}) and the remote-write and remote-read endpoints, which check
 * a request, hand it to {@code codec} and {@code storage}, and map the outcome to a status.
 */
package io.vmwatch.archiver.http;
