package dev.ttrpc;

/**
 * A service implementation that knows its own {@link ServiceDefinition}, so that it can be
 * registered with {@link TtrpcServerBuilder#addService(BindableService)} directly. Generated
 * {@code Service} interfaces extend it; an implementation class only implements the RPC methods.
 */
public interface BindableService {

  /**
   * The definition that serves this implementation.
   *
   * @return a definition whose handlers call this object
   */
  ServiceDefinition bindService();
}
