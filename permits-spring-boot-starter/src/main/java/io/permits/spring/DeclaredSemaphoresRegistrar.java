package io.permits.spring;

import io.permits.KeyedSemaphore;
import io.permits.Semaphore;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanClassLoaderAware;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.support.AbstractBeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;

/**
 * Registers a bean per semaphore declared in {@code permits.semaphores}, named after it: a {@link
 * Semaphore}, or a {@link KeyedSemaphore} for one with a per-key limit. The properties are checked
 * here, before any bean is made, so that a bad one stops the startup naming the property, the
 * value and, for a missing backend module, the module. A bean the application defines under the
 * same name is left as it is. Each bean is closed with the context.
 */
final class DeclaredSemaphoresRegistrar
    implements ImportBeanDefinitionRegistrar, EnvironmentAware, BeanFactoryAware,
        BeanClassLoaderAware {

  private @Nullable Environment environment;
  private @Nullable BeanFactory beanFactory;
  private @Nullable ClassLoader classLoader;

  @Override
  public void setEnvironment(Environment environment) {
    this.environment = environment;
  }

  @Override
  public void setBeanFactory(BeanFactory beanFactory) {
    this.beanFactory = beanFactory;
  }

  @Override
  public void setBeanClassLoader(ClassLoader classLoader) {
    this.classLoader = classLoader;
  }

  @Override
  public void registerBeanDefinitions(
      AnnotationMetadata importingClassMetadata, BeanDefinitionRegistry registry) {
    Map<String, SemaphoreSpec> specs =
        DeclaredSemaphores.read(Objects.requireNonNull(environment, "environment"));
    BeanFactory factory = Objects.requireNonNull(beanFactory, "beanFactory");
    for (SemaphoreSpec spec : specs.values()) {
      BackendOpeners.requireModule(spec, classLoader);
      if (registry.containsBeanDefinition(spec.name())) {
        continue; // the application's own bean of that name
      }
      RootBeanDefinition definition =
          new RootBeanDefinition(spec.keyed() ? KeyedSemaphore.class : Semaphore.class);
      definition.setInstanceSupplier(
          () -> factory.getBean(DeclaredSemaphores.class).build(spec));
      definition.setDestroyMethodName(AbstractBeanDefinition.INFER_METHOD); // close()
      definition.setDescription("permits.semaphores." + spec.name());
      registry.registerBeanDefinition(spec.name(), definition);
    }
  }
}
