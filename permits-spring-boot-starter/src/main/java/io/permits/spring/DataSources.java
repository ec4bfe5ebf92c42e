package io.permits.spring;

import java.util.Arrays;
import javax.sql.DataSource;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanNotOfRequiredTypeException;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.beans.factory.NoUniqueBeanDefinitionException;
import org.springframework.beans.factory.config.AutowireCapableBeanFactory;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.beans.factory.config.NamedBeanHolder;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Finds the {@link DataSource} bean of a {@code postgresql} backend: the bean it names ({@code
 * postgresql:BEAN}), or the application's one (its primary one if it has several), as Spring would
 * inject a {@code DataSource} parameter. A missing or ambiguous bean fails naming the property.
 */
final class DataSources {

  /**
   * A data source and its bean's name.
   *
   * @param beanName the bean's name
   * @param dataSource the bean
   */
  record Found(String beanName, DataSource dataSource) {}

  private DataSources() {}

  /**
   * The data source of a backend.
   *
   * @param factory the application's bean factory
   * @param property the backend property's name, for messages
   * @param backend the backend
   * @return the bean and its name
   * @throws InvalidConfigurationPropertyValueException if there is no such bean, or no one bean
   */
  static Found find(BeanFactory factory, String property, Backend.Postgres backend) {
    String named = backend.dataSourceBean();
    if (named != null) {
      try {
        return new Found(named, factory.getBean(named, DataSource.class));
      } catch (BeanNotOfRequiredTypeException notADataSource) {
        throw new InvalidConfigurationPropertyValueException(
            property,
            backend.text(),
            "bean '" + named + "' is a " + notADataSource.getActualType().getName()
                + ", not a javax.sql.DataSource");
      } catch (NoSuchBeanDefinitionException none) {
        throw new InvalidConfigurationPropertyValueException(
            property, backend.text(), "the application has no bean named '" + named + "'");
      }
    }
    if (!(factory instanceof AutowireCapableBeanFactory autowiring)) {
      throw new IllegalStateException("cannot look up the DataSource in " + factory);
    }
    try {
      NamedBeanHolder<DataSource> holder = autowiring.resolveNamedBean(DataSource.class);
      return new Found(holder.getBeanName(), holder.getBeanInstance());
    } catch (NoUniqueBeanDefinitionException several) {
      String names =
          factory instanceof ListableBeanFactory listable
              ? Arrays.toString(listable.getBeanNamesForType(DataSource.class))
              : String.valueOf(several.getBeanNamesFound());
      throw new InvalidConfigurationPropertyValueException(
          property,
          backend.text(),
          "the application has several DataSource beans " + names + " and none is primary:"
              + " name one, 'postgresql:BEAN'");
    } catch (NoSuchBeanDefinitionException none) {
      throw new InvalidConfigurationPropertyValueException(
          property,
          backend.text(),
          "the application has no DataSource bean: configure one (spring.datasource.url, with"
              + " spring-boot-starter-jdbc) or define one, or name another bean,"
              + " 'postgresql:BEAN'");
    }
  }

  /**
   * Records that bean {@code dependent} uses the data source, so that the context closes it
   * before the data source (a semaphore's close releases its leases through the data source).
   *
   * @param factory the application's bean factory
   * @param found the data source
   * @param dependent the using bean's name
   */
  static void registerUse(BeanFactory factory, Found found, String dependent) {
    if (factory instanceof ConfigurableBeanFactory configurable) {
      configurable.registerDependentBean(found.beanName(), dependent);
    }
  }
}
